"""The periodic report as an Excel workbook in the official layout: header block, title, the counts
per unit, the named lists, the signature block; A4 landscape with the table's header repeated on
every printed page. Numbers are numbers and dates are dates, so the office can sum and filter."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from notifier.reports import report_layout as layout
from notifier.reports.periodic import PeriodReport

_BOLD = Font(bold=True)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WIDTHS = (6, 34, 12, 48, 22, 12, 12, 36, 12, 12)
LAST = get_column_letter(len(WIDTHS))
FORMULA_STARTS = ("=", "+", "-", "@")


def report_workbook(report: PeriodReport, made_on: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"Báo cáo {report.period.code}"
    for number, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    head = layout.header(report, made_on)
    _header_block(sheet, head)
    table_top = sheet.max_row + 2
    _table(sheet, table_top, layout.COUNT_HEADERS, _count_rows(report))
    for bucket, title in layout.SECTIONS:
        items = report.of(bucket)
        if items:
            _section(sheet, title, [layout.item_row(n, i) for n, i in enumerate(items, start=1)])
    _signatures(sheet, head)
    _print_setup(sheet, table_top)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header_block(sheet: Any, head: layout.Header) -> None:
    left, right = head.authority + ("",) * (2 - len(head.authority)), (layout.NATION, layout.MOTTO)
    for row, (authority, nation) in enumerate(zip(left, right, strict=True), start=1):
        _merged(sheet, row, 1, 3, authority, Font(bold=True))
        _merged(sheet, row, 4, 10, nation, Font(bold=True, underline="single" if row == 2 else None))
    _merged(sheet, 3, 4, 10, head.place_and_day, Font(italic=True))
    _merged(sheet, 5, 1, 10, head.title, Font(bold=True, size=14))
    _merged(sheet, 6, 1, 10, head.subtitle, Font(italic=True))


def _merged(sheet: Any, row: int, first: int, last: int, value: str, font: Font) -> None:
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheet.cell(row, first, value)
    cell.font, cell.alignment = font, _CENTRE


def _count_rows(report: PeriodReport) -> list[list[object]]:
    rows = [layout.count_row(rank, counts) for rank, counts in enumerate(report.units, start=1)]
    return [*rows, layout.count_row("", report.totals)]


def _table(sheet: Any, top: int, headers: Sequence[str], rows: list[list[object]]) -> None:
    for column, name in enumerate(headers, start=1):
        cell = sheet.cell(top, column, name)
        cell.font, cell.alignment, cell.border = _BOLD, _CENTRE, _BOX
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(top + offset, column, value)
            cell.border, cell.alignment = _BOX, _WRAP
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # a title starting with "=" is text, never a formula
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
    if rows and rows[-1][0] == "":
        for column in range(1, len(headers) + 1):
            sheet.cell(top + len(rows), column).font = _BOLD  # the totals row


def _section(sheet: Any, title: str, rows: list[list[object]]) -> None:
    top = sheet.max_row + 2
    sheet.cell(top, 1, title).font = _BOLD
    _table(sheet, top + 1, layout.ITEM_HEADERS, rows)


def _signatures(sheet: Any, head: layout.Header) -> None:
    top = sheet.max_row + 2
    for first, last, signer in ((1, 3, layout.SIGNERS[0]), (6, 10, layout.SIGNERS[1])):
        _merged(sheet, top, first, last, signer, _BOLD)
        _merged(sheet, top + 1, first, last, layout.SIGN_HINT, Font(italic=True))


def _print_setup(sheet: Any, table_top: int) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{table_top}:{table_top}"
    sheet.print_area = f"A1:{LAST}{sheet.max_row}"
