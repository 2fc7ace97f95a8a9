"""Excel exports: the reminder log for a period, and the status report offices send upward."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from notifier.plans.periods import quarter_bounds, year_bounds
from notifier.schedule.calendar import vietnam_time
from notifier.web.status import TaskState

_HEADER = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(book: Workbook, title: str, headers: Sequence[str], widths: Sequence[int]) -> Any:
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for cell, width in zip(sheet[1], widths, strict=True):
        cell.font = _HEADER
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    return sheet


FORMULA_STARTS = ("=", "+", "-", "@")


def _bytes(book: Workbook) -> bytes:
    for sheet in book.worksheets:
        _as_text(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _as_text(sheet: Any) -> None:
    """Every value is data, never a formula: a task title or a chat name starting with "=", "+",
    "-" or "@" would otherwise run in the office's Excel (formula injection)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"


def _local(iso: str | None) -> str:
    return f"{vietnam_time(datetime.fromisoformat(iso)):%d/%m/%Y %H:%M}" if iso else ""


def log_workbook(records: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = _sheet(
        book,
        "Nhật ký nhắc việc",
        [
            "Mã",
            "Đơn vị",
            "Kênh",
            "Nơi nhận",
            "Trạng thái",
            "Tạo lúc",
            "Gửi lúc",
            "Số lần gửi",
            "Nhiệm vụ",
            "Xác nhận",
            "Lỗi",
        ],
        [8, 34, 10, 28, 12, 17, 17, 10, 40, 40, 40],
    )
    for r in records:
        acks = "; ".join(f"{a['by']} ({a['action']}, {_local(a['at'])})" for a in r["acks"])
        sheet.append(
            [
                r["id"],
                r["unit"],
                r["channel"],
                r["target"],
                r["status"],
                _local(r["created_at"]),
                _local(r["sent_at"]),
                r["attempts"],
                ", ".join(k.split(":", 1)[-1] for k in r["items"]),
                acks,
                r["error"] or "",
            ]
        )
    return _bytes(book)


def period_bounds(period: str) -> tuple[date, date] | None:
    m = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", period.strip())
    if not m:
        return None
    year = int(m.group(1))
    return quarter_bounds(year, int(m.group(2))) if m.group(2) else year_bounds(year)


def status_workbook(states: list[TaskState], records: list[dict[str, Any]], period: str) -> bytes | None:
    """Tasks whose deadline falls in the period (or with none), per unit: the form offices report in."""
    bounds = period_bounds(period)
    if bounds is None:
        return None
    first_ack: dict[str, str] = {}
    for r in records:
        for a in r["acks"]:
            for key in r["items"]:
                first_ack.setdefault(key, _local(a["at"]))
    book = Workbook()
    sheet = _sheet(
        book,
        f"Báo cáo {period}",
        [
            "Đơn vị chủ trì",
            "Mã",
            "Số",
            "Nhiệm vụ",
            "Thời hạn (văn bản)",
            "Hạn",
            "Tình trạng",
            "Hoàn thành ngày",
            "Xác nhận nhận tin",
        ],
        [34, 24, 6, 60, 24, 12, 26, 14, 17],
    )
    rows = [s for s in states if s.due is None or bounds[0] <= s.due <= bounds[1]]
    for state in sorted(rows, key=lambda s: ((s.lead or ("",))[0], s.task.position)):
        sheet.append(
            [
                "; ".join(state.lead),
                state.task.key,
                state.task.number,
                state.task.title,
                state.task.deadline_text,
                f"{state.due:%d/%m/%Y}" if state.due else "",
                state.label,
                f"{state.done_on:%d/%m/%Y}" if state.done_on else "",
                first_ack.get(state.task.key, ""),
            ]
        )
        row = sheet.max_row
        sheet.cell(row, 4).alignment = _WRAP
        sheet.cell(row, 7).fill = PatternFill("solid", fgColor=state.colour.lstrip("#"))
        sheet.cell(row, 7).font = Font(color="FFFFFF", bold=True)
    return _bytes(book)
