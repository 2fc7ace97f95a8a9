"""The plain-text export of a Word plan: paragraphs as lines, table rows as tab-separated lines."""

from __future__ import annotations

import re
from pathlib import Path

from notifier.plans.document import PlanHints, RawRow, SourceDocument
from notifier.plans.readers.limits import MAX_COLUMNS, check_rows
from notifier.text.folding import nfc

_HINT = re.compile(r"^#\s*issued-by:\s*(?P<issuer>[^;(]+)(?:\([^)]*\))?\s*(?:;\s*date:\s*(?P<date>\S+))?")


def read_text(path: Path, text: str) -> SourceDocument:
    doc = SourceDocument(path=path, format="text")
    lines = nfc(text).splitlines()
    check_rows(path, len(lines))
    start = _skip_comments(lines, doc.hints)
    for number, line in enumerate(lines[start:], start=start + 1):
        doc.lines.append(line)
        if not line.strip():
            continue
        cells = tuple(line.split("\t", MAX_COLUMNS)[:MAX_COLUMNS]) if "\t" in line else (line.strip(),)
        doc.rows.append(RawRow(cells, f"dòng {number}"))
    return doc


def _skip_comments(lines: list[str], hints: PlanHints) -> int:
    """Leading "# ..." lines are export notes, not plan text; "issued-by" ones are hints."""
    count = 0
    for line in lines:
        if not line.startswith("#"):
            break
        m = _HINT.match(line)
        if m:
            hints.issuer = m.group("issuer").strip()
            hints.date_text = m.group("date")
        count += 1
    return count
