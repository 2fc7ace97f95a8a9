"""The periodic report as a Word document the office edits and signs: the same header block,
tables and signature block as the workbook, on A4 landscape in Times New Roman."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from notifier.reports import report_layout as layout
from notifier.reports.periodic import PeriodReport


def report_document(report: PeriodReport, made_on: date) -> bytes:
    document = Document()
    _page(document)
    head = layout.header(report, made_on)
    _header_block(document, head)
    _paragraph(document, head.title, bold=True, size=14)
    _paragraph(document, head.subtitle, italic=True)
    rows = [layout.count_row(rank, counts) for rank, counts in enumerate(report.units, start=1)]
    _table(document, layout.COUNT_HEADERS, [*rows, layout.count_row("", report.totals)], COUNT_WIDTHS)
    for bucket, title in layout.SECTIONS:
        items = report.of(bucket)
        if items:
            _paragraph(document, title, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
            items_rows = [layout.item_row(n, i) for n, i in enumerate(items, start=1)]
            _table(document, layout.ITEM_HEADERS, items_rows, ITEM_WIDTHS)
    _signatures(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)


def _header_block(document: Any, head: layout.Header) -> None:
    table = document.add_table(rows=3, cols=2)
    left = head.authority + ("",) * (3 - len(head.authority))
    right = (layout.NATION, layout.MOTTO, head.place_and_day)
    for row, (authority, nation) in enumerate(zip(left, right, strict=True)):
        _cell(table.cell(row, 0), authority, bold=True)
        _cell(table.cell(row, 1), nation, bold=row < 2, italic=row == 2)


def _cell(cell: Any, text: str, *, bold: bool = False, italic: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic


def _paragraph(
    document: Any, text: str, *, bold: bool = False, italic: bool = False, size: int | None = None, align: Any = None
) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align is None else align
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)


COUNT_WIDTHS = (1.2, 5.5, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3)  # cm, within 25.7 cm of landscape A4
ITEM_WIDTHS = (1.2, 4.3, 1.5, 8.2, 3.0, 2.7, 1.8, 3.0)


def _table(document: Any, headers: Sequence[str], rows: list[list[object]], widths: Sequence[float]) -> None:
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    for cell, name in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, name, bold=True)
    _repeat_as_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = f"{value:%d/%m/%Y}" if isinstance(value, date) else "" if value is None else str(value)
    if rows and rows[-1][0] == "":  # the totals row
        for cell in table.rows[-1].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the table grid (LibreOffice reads this)
    for row in table.rows:  # Word takes a column's width from its cells
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _repeat_as_header(row: Any) -> None:
    """Word repeats a row marked tblHeader at the top of every page the table runs onto."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _signatures(document: Any) -> None:
    document.add_paragraph()
    table = document.add_table(rows=2, cols=2)
    for column, signer in enumerate(layout.SIGNERS):
        _cell(table.cell(0, column), signer, bold=True)
        _cell(table.cell(1, column), layout.SIGN_HINT, italic=True)
