"""Calendar periods a plan's deadlines speak of: years, halves, quarters, months."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from notifier.errors import InputError

ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

Period = tuple[date, date]


def month_bounds(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last)


def quarter_bounds(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter {quarter} is not 1-4")
    first_month = 3 * (quarter - 1) + 1
    return date(year, first_month, 1), month_bounds(year, first_month + 2)[1]


def half_bounds(year: int, half: int) -> Period:
    if half == 1:
        return date(year, 1, 1), date(year, 6, 30)
    if half == 2:
        return date(year, 7, 1), date(year, 12, 31)
    raise ValueError(f"half {half} is not 1 or 2")


def year_bounds(year: int) -> Period:
    return date(year, 1, 1), date(year, 12, 31)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def span(first: Period, last: Period) -> Period:
    """The window from the start of ``first`` to the end of ``last``."""
    return first[0], last[1]


ROMAN = ("I", "II", "III", "IV")


def period_label(key: str) -> str:
    """How an occurrence's period reads in a message: "Quý I/2026", "Tháng 11/2026", "Năm 2026";
    empty for a one-off or continuous task, whose deadline text already says it."""
    year, _, part = key.partition("-")
    if not year.isdigit():
        return ""
    if not part:
        return f"Năm {year}"
    if part.startswith("Q"):
        return f"Quý {ROMAN[int(part[1:]) - 1]}/{year}"
    if part.startswith("H"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    return f"Tháng {int(part)}/{year}"


_PERIOD = re.compile(r"(\d{4})(?:-(?:Q([1-4])|H([12])|(0[1-9]|1[0-2])))?")


@dataclass(frozen=True)
class ReportPeriod:
    code: str  # 2026, 2026-H2, 2026-Q4, 2026-11
    label: str  # Năm 2026, 6 tháng cuối năm 2026, Quý IV năm 2026, Tháng 11 năm 2026
    start: date
    end: date


def parse_period(text: str) -> ReportPeriod:
    """``2026``, ``2026-H2``, ``2026-Q4`` or ``2026-11``; anything else is refused, naming it."""
    match = _PERIOD.fullmatch(text.strip().upper())
    if match is None:
        raise InputError(f"kỳ báo cáo «{text}» không hợp lệ: dùng 2026, 2026-H2, 2026-Q4 hoặc 2026-11")
    year, quarter, half, month = int(match.group(1)), match.group(2), match.group(3), match.group(4)
    if quarter:
        start, end = quarter_bounds(year, int(quarter))
        return ReportPeriod(f"{year}-Q{quarter}", f"Quý {ROMAN[int(quarter) - 1]} năm {year}", start, end)
    if half:
        start, end = half_bounds(year, int(half))
        words = "đầu" if half == "1" else "cuối"
        return ReportPeriod(f"{year}-H{half}", f"6 tháng {words} năm {year}", start, end)
    if month:
        start, end = month_bounds(year, int(month))
        return ReportPeriod(f"{year}-{month}", f"Tháng {int(month)} năm {year}", start, end)
    start, end = year_bounds(year)
    return ReportPeriod(str(year), f"Năm {year}", start, end)


def period_around(kind: str, day: date) -> ReportPeriod:
    """The period of ``kind`` (month, quarter, half_year, year) that ``day`` falls in."""
    code = {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{quarter_of(day)}",
        "half_year": f"{day.year}-H{1 if day.month <= 6 else 2}",
    }.get(kind, str(day.year))
    return parse_period(code)
