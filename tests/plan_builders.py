"""Build .docx and .xlsx plans from the sample's rows, the way an office would hold them in Word or Excel:
one header row, rows whole (no page-break continuations), section titles merged across the row,
a coordinating cell merged down over several tasks, and a cell with one unit per paragraph."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl

from tests.conftest import SAMPLE

FRONT_MATTER = [
    "Số: /KH-UBND",
    "Thái Tân, ngày tháng 02 năm 2026",
    "KẾ HOẠCH",
    "Triển khai thực hiện công tác dân vận năm 2026 của cơ quan hành chính, chính quyền nhà nước "
    "trên địa bàn xã Thái Tân",
    "Căn cứ Quyết định số 371/QĐ-UBND ngày 28/01/2026 của Ủy ban nhân dân thành phố Hải Phòng. "
    "Ủy ban nhân dân xã Thái Tân xây dựng kế hoạch như sau:",
]
MERGED_DOWN = (2, 4)  # table rows 2-4 (1.1, 1.2, 1.2) share their coordinating cell
SPLIT_AT = "4.2"  # the catalogue is split into two tables here, the header repeated


def sample_catalogue() -> list[list[str]]:
    """Header plus task and section rows of the sample, continuation rows joined to their task."""
    rows: list[list[str]] = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        cells = line.split("\t")
        if cells[0] == "TT":
            if not rows:
                rows.append(cells)
        elif cells[0] == "":
            rows[-1] = [f"{a} {b}".strip() if b else a for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return rows


def _is_section(row: list[str]) -> bool:
    return not any(row[2:])


def build_docx(path: Path) -> Path:
    document = docx.Document()
    for paragraph in FRONT_MATTER:
        document.add_paragraph(paragraph)
    document.add_paragraph("DANH MỤC")
    rows = sample_catalogue()
    split = next(i for i, r in enumerate(rows) if r[0] == SPLIT_AT)
    _docx_table(document, [rows[0], *rows[1:split]], merge_down=True)
    document.add_page_break()
    _docx_table(document, [rows[0], *rows[split:]], merge_down=False)
    document.save(str(path))
    return path


def _docx_table(document: object, rows: list[list[str]], *, merge_down: bool) -> None:
    table = document.add_table(rows=len(rows), cols=5)  # type: ignore[attr-defined]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            _fill(table.cell(r, c), value)
        if r > 0 and _is_section(values):
            table.cell(r, 1).merge(table.cell(r, 4))
    if merge_down:
        first, last = MERGED_DOWN
        for r in range(first + 1, last + 1):
            table.cell(r, 3).text = ""
        table.cell(first, 3).merge(table.cell(last, 3))


def _fill(cell: object, value: str) -> None:
    """Units listed with commas go one per paragraph, as Word users often write them."""
    parts = value.split(", ") if value == "Trung tâm Phục vụ hành chính công, Phòng Kinh tế" else [value]
    cell.text = parts[0]  # type: ignore[attr-defined]
    for part in parts[1:]:
        cell.add_paragraph(part)  # type: ignore[attr-defined]


def build_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh mục"
    for r, text in enumerate(FRONT_MATTER, start=1):
        sheet.cell(r, 1, text)
    top = len(FRONT_MATTER) + 2
    rows = sample_catalogue()
    for offset, values in enumerate(rows):
        r = top + offset
        for c, value in enumerate(values, start=1):
            if value:
                sheet.cell(r, c, value)
        if offset > 0 and _is_section(values):
            sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=5)
    first, last = MERGED_DOWN
    for r in range(top + first + 1, top + last + 1):
        sheet.cell(r, 4).value = None
    sheet.merge_cells(start_row=top + first, start_column=4, end_row=top + last, end_column=4)
    workbook.save(str(path))
    return path
