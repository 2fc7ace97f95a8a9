"""Word .docx plans: body paragraphs and table rows in document order.

Merged cells are resolved on the grid: a horizontally merged cell (gridSpan)
fills its first column and leaves the others empty, so columns stay aligned
with the header; a vertically merged continuation (vMerge) repeats the text of
the cell it continues and is flagged in ``RawRow.merged_above``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from notifier.plans.document import RawRow, SourceDocument
from notifier.plans.readers.limits import MAX_COLUMNS
from notifier.text.folding import nfc


def read_docx(path: Path) -> SourceDocument:
    document = docx.Document(str(path))
    doc = SourceDocument(path=path, format="docx")
    table_number = paragraph_number = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph_number += 1
            text = _paragraph_text(child, document)
            # A paragraph is a block of its own, as blank lines make it in the text export; between
            # tables it may be a group heading ("III. PHÁT TRIỂN …"), so it is a one-cell row too.
            doc.lines += [text, ""]
            if text.strip():
                doc.rows.append(RawRow((text,), f"đoạn văn {paragraph_number}"))
        elif child.tag == qn("w:tbl"):
            table_number += 1
            _read_table(child, table_number, document, doc)
    return doc


def _paragraph_text(p: Any, parent: Any) -> str:
    return nfc(Paragraph(p, parent).text)


def _cell_text(tc: Any, parent: Any) -> str:
    """Every paragraph of the cell, one per line; nested tables are left out."""
    return "\n".join(_paragraph_text(p, parent) for p in tc.iterchildren(qn("w:p"))).strip()


def _read_table(tbl: Any, number: int, parent: Any, doc: SourceDocument) -> None:
    above: dict[int, str] = {}
    for row_number, tr in enumerate(tbl.iterchildren(qn("w:tr")), start=1):
        cells, merged = _grid_row(tr, parent, above)
        doc.rows.append(RawRow(tuple(cells), f"bảng {number}, hàng {row_number}", frozenset(merged)))
        doc.lines += [line for cell in cells for line in cell.splitlines()] + [""]


def _grid_row(tr: Any, parent: Any, above: dict[int, str]) -> tuple[list[str], set[int]]:
    cells: list[str] = []
    merged: set[int] = set()
    for tc in tr.iterchildren(qn("w:tc")):
        column = len(cells)
        if _is_vmerge_continuation(tc):
            text = above.get(column, "")
            merged.add(column)
        else:
            text = _cell_text(tc, parent)
        above[column] = text
        cells.append(text)
        cells.extend("" for _ in range(_grid_span(tc) - 1))
    return cells, merged


def _grid_span(tc: Any) -> int:
    props = tc.tcPr
    span = props.find(qn("w:gridSpan")) if props is not None else None
    value = span.get(qn("w:val")) if span is not None else None
    # gridSpan=50000000 in a broken file would make a row of 50 million cells.
    return min(max(int(value), 1), MAX_COLUMNS) if value and value.isdigit() else 1


def _is_vmerge_continuation(tc: Any) -> bool:
    props = tc.tcPr
    vmerge = props.find(qn("w:vMerge")) if props is not None else None
    return vmerge is not None and vmerge.get(qn("w:val")) in (None, "continue")
