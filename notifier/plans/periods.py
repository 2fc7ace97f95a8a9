"""Calendar periods a plan's deadlines speak of: years, halves, quarters, months."""

from __future__ import annotations

import calendar
from datetime import date

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


_ROMAN = ("I", "II", "III", "IV")


def period_label(key: str) -> str:
    """How an occurrence's period reads in a message: "Quý I/2026", "Tháng 11/2026", "Năm 2026";
    empty for a one-off or continuous task, whose deadline text already says it."""
    year, _, part = key.partition("-")
    if not year.isdigit():
        return ""
    if not part:
        return f"Năm {year}"
    if part.startswith("Q"):
        return f"Quý {_ROMAN[int(part[1:]) - 1]}/{year}"
    if part.startswith("H"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    return f"Tháng {int(part)}/{year}"
