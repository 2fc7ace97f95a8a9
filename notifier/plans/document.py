"""What every plan reader produces: the body text and the table rows, with locations."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RawRow:
    """One table row as cells of text.

    ``where`` names the row for messages ("dòng 123", "bảng 2, hàng 5").
    ``merged_above`` lists the columns whose cell is a vertical continuation of
    the row above (Word's vMerge, Excel's merged ranges): their text is the
    merged cell's, repeated. ``opens_page`` marks a PDF row that is the first of its table on a
    new page: with an empty number it is the rest of the row broken at the page's end.
    """

    cells: tuple[str, ...]
    where: str
    merged_above: frozenset[int] = frozenset()
    opens_page: bool = False

    @property
    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


@dataclass
class PlanHints:
    """Plan metadata stated outright (YAML plans, export comments, command-line options)."""

    number: str | None = None
    title: str | None = None
    issuer: str | None = None
    date_text: str | None = None
    year: int | None = None


@dataclass
class SourceDocument:
    path: Path
    format: str
    lines: list[str] = field(default_factory=list)
    rows: list[RawRow] = field(default_factory=list)
    hints: PlanHints = field(default_factory=PlanHints)
