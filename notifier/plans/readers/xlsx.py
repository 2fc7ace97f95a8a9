"""Excel .xlsx plans: every sheet's rows, merged ranges filled from their top-left cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl

from notifier.plans.document import RawRow, SourceDocument
from notifier.plans.readers.limits import MAX_COLUMNS, check_rows
from notifier.text.folding import nfc


def read_xlsx(path: Path) -> SourceDocument:
    workbook = openpyxl.load_workbook(str(path), data_only=True)
    doc = SourceDocument(path=path, format="xlsx")
    for sheet in workbook.worksheets:
        check_rows(path, sheet.max_row)
        fills, continued = _merged_cells(sheet)
        for row_number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
            cells = [fills.get((row_number, col), _cell_text(value)) for col, value in enumerate(row, start=1)]
            merged = frozenset(col - 1 for (r, col) in continued if r == row_number)
            doc.rows.append(RawRow(tuple(cells), f"trang tính «{sheet.title}», hàng {row_number}", merged))
            doc.lines += [line for cell in cells for line in cell.splitlines()] + [""]
    return doc


def _merged_cells(sheet: Any) -> tuple[dict[tuple[int, int], str], set[tuple[int, int]]]:
    """Text for every cell inside a merged range, and the cells below a range's first row."""
    fills: dict[tuple[int, int], str] = {}
    continued: set[tuple[int, int]] = set()
    last_row, last_col = sheet.max_row, min(sheet.max_column, MAX_COLUMNS)
    for merged in sheet.merged_cells.ranges:
        text = _cell_text(sheet.cell(merged.min_row, merged.min_col).value)
        # A range reaching the sheet's last cell (XFD1048576) covers only the cells that hold anything.
        for row in range(merged.min_row, min(merged.max_row, last_row) + 1):
            for col in range(merged.min_col, min(merged.max_col, last_col) + 1):
                first_column = col == merged.min_col
                fills[(row, col)] = text if first_column else ""
                if row > merged.min_row and first_column:
                    continued.add((row, col))
    return fills, continued


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.day}/{value.month}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()
