"""The words a person reads for notifier's internal names, and times as Vietnam reads them.

JSON output keeps the internal names and ISO UTC times (scripts rely on them); every page, export
and text output shows these instead, so no internal word reaches a clerk.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

_VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

DELIVERY_STATUS = {
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi thất bại",
    "uncertain": "không chắc đã tới",
}
CHANNEL = {
    "telegram": "Telegram",
    "zalo": "Zalo",
    "email": "thư điện tử",
    "console": "màn hình",
    "none": "chưa có kênh",
}
ACK_ACTION = {
    "received": "đã nhận",
    "snooze": "nhắc lại sau",
    "done": "báo xong",
    "comment": "trả lời",
    "approved": "đồng ý gia hạn",
    "rejected": "không đồng ý gia hạn",
    "explained": "giải trình",
}
DEADLINE_KIND = {
    "once": "một lần",
    "yearly": "hằng năm",
    "quarterly": "hằng quý",
    "monthly": "hằng tháng",
    "half_yearly": "6 tháng một lần",
    "continuous": "thường xuyên",
    "unspecified": "chưa có hạn",
}
# Where a task stands, in the categories government task tracking uses (QĐ 42/2014/QĐ-TTg and the
# trackers built on it), with their customary colours.
TASK_CATEGORY = {
    "done_on_time": ("Đã hoàn thành đúng hạn", "#2e7d32"),
    "done_late": ("Đã hoàn thành quá hạn", "#00897b"),
    "in_progress": ("Đang thực hiện trong hạn", "#1565c0"),
    "due_soon": ("Sắp đến hạn", "#ef6c00"),
    "overdue": ("Quá hạn", "#c62828"),
    "continuous": ("Thường xuyên", "#6a1b9a"),  # no deadline by nature: monthly progress check-ins
    "no_deadline": ("Chưa có hạn", "#757575"),
}
ITEM_STATE = {
    "escalation": "cần lãnh đạo chỉ đạo",
    "overdue": "quá hạn",
    "due_today": "đến hạn hôm nay",
    "upcoming": "sắp đến hạn",
    "window_open": "trong thời gian thực hiện",
    "check_in": "báo cáo tiến độ",
}
TASK_STATUS = {"open": "đang thực hiện", "done": "đã hoàn thành", "reported": "đơn vị báo xong", "archived": "lưu trữ"}
FILE_FORMAT = {
    "text": "bản xuất văn bản (.txt)",
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "doc": "Word cũ (.doc)",
    "odt": "OpenDocument (.odt)",
    "xlsx": "Excel (.xlsx)",
    "csv": "CSV",
    "yaml": "YAML",
}
ROLE = {"lead": "chủ trì", "coordinating": "phối hợp", "leadership": "lãnh đạo", "office": "văn phòng"}
DIGEST_KIND = {
    "reminder": "nhắc việc",
    "leadership": "báo cáo lãnh đạo",
    "summary": "tổng hợp tuần",
    "report": "báo cáo định kỳ",
    "notice": "kết quả gia hạn",
    "decision": "xin ý kiến gia hạn",
    "explain": "yêu cầu giải trình",
    "explanation": "kết quả giải trình",
}


def step_label(step: str) -> str:
    """A reminder step ("before_3", "overdue_2", "check_in_2026-11") in words."""
    if m := re.fullmatch(r"before_(\d+)", step):
        return f"nhắc trước hạn {m.group(1)} ngày làm việc"
    if m := re.fullmatch(r"overdue_(\d+)", step):
        return f"quá hạn, nhắc lần {m.group(1)}"
    if m := re.fullmatch(r"check_in_(\d{4})-(\d{2})", step):
        return f"hỏi tiến độ tháng {int(m.group(2))}/{m.group(1)}"
    named = {"window_open": "bắt đầu thời gian thực hiện", "due": "đến hạn", "escalation": "báo lãnh đạo"}
    return named.get(step, ITEM_STATE.get(step, step))


def label(table: dict[str, str], name: str | None) -> str:
    return table.get(name or "", name or "")


def vn_time(moment: datetime | str | None) -> str:
    """"08:00 01/12/2026", Vietnam time, from an aware datetime or an ISO string; "" for nothing."""
    if moment is None or moment == "":
        return ""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{value.astimezone(_VIETNAM):%H:%M %d/%m/%Y}" if value.tzinfo else f"{value:%H:%M %d/%m/%Y}"


def vn_date(day: date | str | None) -> str:
    if day is None or day == "":
        return ""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value:%d/%m/%Y}"
