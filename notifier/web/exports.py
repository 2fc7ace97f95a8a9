"""Excel exports: the reminder log for a period, and the status report offices send upward."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from notifier.clock import vietnam_time
from notifier.plans.periods import quarter_bounds, year_bounds
from notifier.reports.log import LogRecord
from notifier.text import labels
from notifier.web.status import TaskState

_HEADER = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_DATE, _DATE_TIME = "dd/mm/yyyy", "dd/mm/yyyy hh:mm"
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Heading:
    """The title block above an export's table: what it is, for whom, as of when."""

    title: str
    lines: tuple[str, ...]
    made_on: date


def _sheet(book: Workbook, name: str, heading: Heading, headers: Sequence[str], widths: Sequence[int]) -> Any:
    sheet = book.active
    sheet.title = name[:31]
    sheet.append([heading.title])
    sheet["A1"].font = _TITLE
    for line in heading.lines:
        sheet.append([line])
    sheet.append([f"Ngày lập: {heading.made_on:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(list(headers))
    row = sheet.max_row
    for cell, width in zip(sheet[row], widths, strict=True):
        cell.font = _HEADER
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = f"A{row + 1}"  # the header stays in view while scrolling
    return sheet


def header_row(sheet: Any) -> int:
    """The row of the table's column names (below the title block)."""
    return int(sheet.freeze_panes[1:]) - 1


def _with_filter(sheet: Any) -> None:
    first = header_row(sheet)
    sheet.auto_filter.ref = f"A{first}:{get_column_letter(sheet.max_column)}{max(sheet.max_row, first)}"


FORMULA_STARTS = ("=", "+", "-", "@")


def _bytes(book: Workbook) -> bytes:
    for sheet in book.worksheets:
        _as_text(sheet)
        _with_filter(sheet)
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


def _moment(moment: datetime | None) -> datetime | None:
    """A real date and time (sortable, filterable) in Vietnam time; Excel keeps no time zone."""
    return vietnam_time(moment).replace(tzinfo=None) if moment else None


def _dated(sheet: Any, columns: Sequence[int], number_format: str) -> None:
    row = sheet.max_row
    for column in columns:
        sheet.cell(row, column).number_format = number_format


def log_workbook(records: list[LogRecord], heading: Heading) -> bytes:
    book = Workbook()
    sheet = _sheet(
        book,
        "Nhật ký nhắc việc",
        heading,
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
        [8, 34, 12, 28, 16, 17, 17, 10, 40, 40, 40],
    )
    for r in records:
        acks = "; ".join(
            f"{a.by} ({labels.label(labels.ACK_ACTION, a.action)}, {labels.vn_time(a.at)})" for a in r.acks
        )
        sheet.append(
            [
                r.id,
                r.unit,
                labels.label(labels.CHANNEL, r.channel),
                r.target,
                labels.label(labels.DELIVERY_STATUS, r.status),
                _moment(r.created_at),
                _moment(r.sent_at),
                r.attempts,
                ", ".join(k.split(":", 1)[-1] for k in r.items),
                acks,
                r.error or "",
            ]
        )
        _dated(sheet, (6, 7), _DATE_TIME)
    return _bytes(book)


def period_bounds(period: str) -> tuple[date, date] | None:
    m = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", period.strip())
    if not m:
        return None
    year = int(m.group(1))
    return quarter_bounds(year, int(m.group(2))) if m.group(2) else year_bounds(year)


def status_workbook(
    states: list[TaskState], records: list[LogRecord], period: str, heading: Heading
) -> bytes | None:
    """Tasks whose deadline falls in the period (or with none), per unit: the form offices report in."""
    bounds = period_bounds(period)
    if bounds is None:
        return None
    first_ack: dict[str, datetime | None] = {}
    for r in records:
        for a in r.acks:
            for key in r.items:
                first_ack.setdefault(key, _moment(a.at))
    book = Workbook()
    sheet = _sheet(
        book,
        f"Báo cáo {period}",
        heading,
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
                state.due,
                state.label,
                state.done_on,
                first_ack.get(state.task.key),
            ]
        )
        _dated(sheet, (6, 8), _DATE)
        _dated(sheet, (9,), _DATE_TIME)
        row = sheet.max_row
        sheet.cell(row, 4).alignment = _WRAP
        sheet.cell(row, 7).fill = PatternFill("solid", fgColor=state.colour.lstrip("#"))
        sheet.cell(row, 7).font = Font(color="FFFFFF", bold=True)
    return _bytes(book)
