"""What the periodic report's documents share, whatever the format: the official header block, the
table's columns and rows, and the signature block (the layout of Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from notifier.reports.periodic import PeriodReport, ReportItem, UnitCounts

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ"
SIGNERS = ("NGƯỜI LẬP BIỂU", "CHỦ TỊCH")
SIGN_HINT = "(Ký, ghi rõ họ tên)"
COUNT_HEADERS = (
    "STT",
    "Đơn vị chủ trì",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Quá hạn chưa hoàn thành",
    "Tổng số có thời hạn",
    "Tỷ lệ đúng hạn (%)",
    "Thường xuyên",
    "Chưa có thời hạn",
)
ITEM_HEADERS = ("STT", "Đơn vị chủ trì", "Số", "Nhiệm vụ", "Thời hạn", "Hạn", "Số ngày quá hạn", "Ghi chú")
_AUTHORITY = re.compile(r"^(ủy|uỷ) ban nhân dân\s+", re.IGNORECASE)
_LEVEL = re.compile(r"^(xã|phường|thị trấn|đặc khu|tỉnh|thành phố|huyện|quận)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Header:
    authority: tuple[str, ...]  # the issuer, upper case, as the left of the header block reads
    place_and_day: str  # "Thái Tân, ngày 05 tháng 01 năm 2027"
    title: str
    subtitle: str


def header(report: PeriodReport, made_on: date) -> Header:
    issuer = report.issuer.split(";")[0].strip()
    authority = _authority_lines(issuer)
    place = _LEVEL.sub("", _AUTHORITY.sub("", issuer)).strip() or "..."
    plans = ", ".join(report.plans)
    subtitle = f"{report.period.label} (tính đến hết ngày {report.as_of:%d/%m/%Y})" + (
        f" - Kế hoạch: {plans}" if plans else ""
    )
    return Header(authority, f"{place}, ngày {made_on:%d} tháng {made_on:%m} năm {made_on:%Y}", TITLE, subtitle)


def _authority_lines(issuer: str) -> tuple[str, ...]:
    """ "Ủy ban nhân dân xã Thái Tân" → ("ỦY BAN NHÂN DÂN", "XÃ THÁI TÂN")."""
    if not issuer:
        return ("",)
    rest = _AUTHORITY.sub("", issuer)
    if rest != issuer:
        return ("ỦY BAN NHÂN DÂN", rest.upper())
    return (issuer.upper(),)


def count_row(rank: int | str, counts: UnitCounts) -> list[object]:
    rate = counts.on_time_rate
    return [
        rank,
        counts.unit,
        counts.done_on_time,
        counts.done_late,
        counts.in_progress,
        counts.overdue,
        counts.with_deadline,
        rate if rate is not None else "",
        counts.continuous,
        counts.no_deadline,
    ]


def item_note(item: ReportItem) -> str:
    """What the office adds beside a late task: a moved deadline, the unit's last word."""
    notes = []
    if item.extended and item.due:
        notes.append(
            f"đã gia hạn đến {item.due:%d/%m/%Y}" + (f" (hạn đầu {item.first_due:%d/%m/%Y})" if item.first_due else "")
        )
    elif item.first_due and item.due and item.first_due != item.due:
        notes.append(f"hạn điều chỉnh từ {item.first_due:%d/%m/%Y}")
    if item.done_on:
        notes.append(f"hoàn thành ngày {item.done_on:%d/%m/%Y}")
    if item.last_report:
        notes.append(f"báo cáo gần nhất ({item.last_report_on:%d/%m/%Y}): {item.last_report}")
    if item.explanation:
        notes.append(f"giải trình ({item.explanation_on:%d/%m/%Y}): {item.explanation}")
    return "; ".join(notes)


def item_row(rank: int, item: ReportItem) -> list[object]:
    late = item.days_late if item.bucket in ("overdue", "done_late") else None  # no count where nothing is late
    return [rank, item.unit, item.number, item.title, item.deadline_text, item.due, late, item_note(item)]


SECTIONS = (
    ("overdue", "DANH SÁCH NHIỆM VỤ QUÁ HẠN CHƯA HOÀN THÀNH"),
    ("done_late", "NHIỆM VỤ HOÀN THÀNH QUÁ HẠN"),
    ("continuous", "NHIỆM VỤ THƯỜNG XUYÊN"),
    ("no_deadline", "NHIỆM VỤ CHƯA CÓ THỜI HẠN"),
)

