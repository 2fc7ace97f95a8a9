"""Vietnamese deadline phrases ("Quý IV", "Hoàn thành trước ngày 10/3/2026") as dates.

The parser works on the folded phrase (no diacritics, lower case), so "Quí",
"Quý" and "QUÝ" read the same. It never guesses: a phrase it does not know
becomes ``unspecified`` with ``understood=False``, and an impossible date is
reported in ``problem``. The original words always travel with the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from notifier.plans.periods import (
    ROMAN_QUARTERS,
    Period,
    half_bounds,
    month_bounds,
    quarter_bounds,
    quarter_of,
    span,
    year_bounds,
)
from notifier.text.folding import clean_spaces, strip_marks


class DeadlineKind(StrEnum):
    ONCE = "once"
    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    HALF_YEARLY = "half_yearly"
    CONTINUOUS = "continuous"
    UNSPECIFIED = "unspecified"




@dataclass(frozen=True)
class Deadline:
    """A deadline as written and as understood.

    For recurring kinds ``start``/``due`` are the first occurrence's window and
    ``due_day`` pins the day of month when the phrase names one.
    """

    text: str
    kind: DeadlineKind
    start: date | None = None
    due: date | None = None
    due_day: int | None = None
    understood: bool = True
    problem: str | None = None


@dataclass(frozen=True)
class DeadlineContext:
    """What completes a phrase: the plan's year and date, and the office's reading of "trước ngày"."""

    year: int | None
    plan_date: date | None = None
    before_means_day_before: bool = False


class _Impossible(ValueError):
    """A date that does not exist in the calendar, such as 31/02/2026."""


_YEAR = r"((?:19|20|21)\d\d)"
_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*" + _YEAR + r"(?!\d)")
_WORDY_DATE = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+" + _YEAR)
_QUARTER = re.compile(r"quy\s+(iv|iii|ii|i|[1-4])\b(?:\s*(?:/|-|nam)?\s*" + _YEAR + r")?")
_MONTH_YEAR = re.compile(r"thang\s+(\d{1,2})\s*(?:/|-|nam)\s*" + _YEAR)
_MONTHLY_DAY = re.compile(r"truoc\s+ngay\s+(\d{1,2})\s+(?:hang|moi)\s+thang")
_YEARLY_MONTH = re.compile(r"thang\s+(\d{1,2})\s+(?:hang|moi)\s+nam")
_YEAR_RANGE = re.compile(_YEAR + r"\s*(?:-|–|den(?:\s+nam)?)\s*" + _YEAR)
_ONE_YEAR = re.compile(r"(?<!\d)" + _YEAR + r"(?!\d)")
_HALF = re.compile(r"6\s+thang\s+(dau|cuoi)\s+nam(?:\s+" + _YEAR + r")?")
_FOLLOWING_YEARS = re.compile(r"(?:cac|nhung)\s+nam\s+tiep\s+theo")

_UNSPECIFIED_MARKERS = (
    "theo cong van",
    "theo ke hoach rieng",
    "theo chi dao",
    "theo yeu cau",
    "theo quy dinh",
    "theo tien do",
    "sau khi",
    "khi co",
    "khi duoc",
)


def parse_deadline(text: str, context: DeadlineContext) -> Deadline:
    """Interpret one deadline cell. Never raises for bad input: problems are reported."""
    original = clean_spaces(text)
    phrase = re.sub(r"\bqui\b", "quy", " ".join(strip_marks(original).split()))
    if not phrase:
        return Deadline(original, DeadlineKind.UNSPECIFIED, understood=False, problem="không ghi thời hạn")
    try:
        found = _interpret(original, phrase, context)
    except _Impossible as exc:
        return Deadline(original, DeadlineKind.UNSPECIFIED, understood=False, problem=str(exc))
    if found is not None:
        return found
    return Deadline(original, DeadlineKind.UNSPECIFIED, understood=False, problem=f"không hiểu thời hạn «{original}»")


def _interpret(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    for reader in _READERS:
        result = reader(original, phrase, ctx)
        if result is not None:
            return result
    return None


def _make_date(day: int, month: int, year: int, written: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Impossible(f"ngày không tồn tại: {written}") from None


def _explicit_dates(phrase: str) -> list[date]:
    found: list[tuple[int, date]] = []
    for pattern in (_DMY, _WORDY_DATE):
        for m in pattern.finditer(phrase):
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            found.append((m.start(), _make_date(d, mo, y, m.group(0))))
    return [d for _, d in sorted(found)]


def _read_dates(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    dates = _explicit_dates(phrase)
    if not dates:
        return None
    if len(dates) >= 2:
        return Deadline(original, DeadlineKind.ONCE, start=dates[0], due=dates[-1])
    due = dates[0]
    if ctx.before_means_day_before and "truoc" in phrase:
        due -= timedelta(days=1)
    return Deadline(original, DeadlineKind.ONCE, due=due)


def _base_year(ctx: DeadlineContext) -> int | None:
    return ctx.plan_date.year if ctx.plan_date else ctx.year


def _first_period_month(ctx: DeadlineContext, year: int) -> int:
    """Recurrences start in the plan's own month when its date is known, else in January."""
    if ctx.plan_date and ctx.plan_date.year == year:
        return ctx.plan_date.month
    return 1


def _read_recurring(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    kind = _recurring_kind(phrase)
    if kind is None:
        return None
    year = _explicit_start_year(phrase) or _base_year(ctx)
    if year is None:
        return Deadline(original, kind, understood=False, problem="không xác định được năm của kế hoạch")
    window, due_day = _first_occurrence(kind, phrase, year, _first_period_month(ctx, year))
    due = window[1].replace(day=due_day) if due_day else window[1]
    return Deadline(original, kind, start=window[0], due=due, due_day=due_day)


def _recurring_kind(phrase: str) -> DeadlineKind | None:
    if re.search(r"(hang|moi)\s+thang", phrase):
        return DeadlineKind.MONTHLY
    if re.search(r"(hang|moi)\s+quy|dinh\s+ky\s+quy", phrase):
        return DeadlineKind.QUARTERLY
    if re.search(r"dinh\s+ky\s+6\s+thang|6\s+thang\s+(mot|1)\s+lan|hang\s+6\s+thang", phrase):
        return DeadlineKind.HALF_YEARLY
    if re.search(r"(hang|moi)\s+nam|dinh\s+ky\s+(hang\s+)?nam", phrase) or _FOLLOWING_YEARS.search(phrase):
        return DeadlineKind.YEARLY
    return None


def _explicit_start_year(phrase: str) -> int | None:
    m = _ONE_YEAR.search(phrase)
    return int(m.group(1)) if m else None


def _first_occurrence(kind: DeadlineKind, phrase: str, year: int, month: int) -> tuple[Period, int | None]:
    if kind is DeadlineKind.MONTHLY:
        m = _MONTHLY_DAY.search(phrase)
        return month_bounds(year, month), (int(m.group(1)) if m else None)
    if kind is DeadlineKind.QUARTERLY:
        return quarter_bounds(year, quarter_of(date(year, month, 1))), None
    if kind is DeadlineKind.HALF_YEARLY:
        return half_bounds(year, 1 if month <= 6 else 2), None
    m = _YEARLY_MONTH.search(phrase)
    if m and 1 <= int(m.group(1)) <= 12:
        return month_bounds(year, int(m.group(1))), None
    return year_bounds(year), None


def _read_quarters(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    mentions = [
        (ROMAN_QUARTERS[m.group(1)], int(m.group(2)) if m.group(2) else None) for m in _QUARTER.finditer(phrase)
    ]
    if not mentions:
        return None
    years = _fill_quarter_years(mentions, ctx.year)
    if years is None:
        return Deadline(original, DeadlineKind.ONCE, understood=False, problem="không xác định được năm của quý")
    first = quarter_bounds(years[0], mentions[0][0])
    last = quarter_bounds(years[-1], mentions[-1][0])
    start, due = span(first, last)
    return Deadline(original, DeadlineKind.ONCE, start=start, due=due)


def _fill_quarter_years(mentions: list[tuple[int, int | None]], plan_year: int | None) -> list[int] | None:
    """Give each quarter mention a year: its own, else the next mention's (one earlier
    if it would come after it), else the plan's."""
    years: list[int | None] = [y for _, y in mentions]
    for i in range(len(years) - 2, -1, -1):
        nxt = years[i + 1]
        if years[i] is None and nxt is not None:
            years[i] = nxt - 1 if mentions[i][0] > mentions[i + 1][0] else nxt
    filled = [y if y is not None else plan_year for y in years]
    if any(y is None for y in filled):
        return None
    return [y for y in filled if y is not None]


def _read_month(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    m = _MONTH_YEAR.search(phrase)
    if not m:
        return None
    month, year = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise _Impossible(f"tháng không tồn tại: {m.group(0)}")
    start, due = month_bounds(year, month)
    return Deadline(original, DeadlineKind.ONCE, start=start, due=due)


def _read_half(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    m = _HALF.search(phrase)
    if not m:
        return None
    year = int(m.group(2)) if m.group(2) else ctx.year
    if year is None:
        return Deadline(original, DeadlineKind.ONCE, understood=False, problem="không xác định được năm")
    start, due = half_bounds(year, 1 if m.group(1) == "dau" else 2)
    return Deadline(original, DeadlineKind.ONCE, start=start, due=due)


def _read_years(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    r = _YEAR_RANGE.search(phrase)
    if r:
        first, last = int(r.group(1)), int(r.group(2))
        if last < first:
            raise _Impossible(f"khoảng năm ngược: {r.group(0)}")
        start, due = span(year_bounds(first), year_bounds(last))
        return Deadline(original, DeadlineKind.ONCE, start=start, due=due)
    one = _ONE_YEAR.search(phrase)
    if one and re.fullmatch(r"(trong\s+|ca\s+|hoan\s+thanh\s+(trong\s+)?)?(nam\s+)?\d{4}\.?", phrase):
        start, due = year_bounds(int(one.group(1)))
        return Deadline(original, DeadlineKind.ONCE, start=start, due=due)
    return None


def _read_continuous(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    if "thuong xuyen" in phrase or "lien tuc" in phrase:
        return Deadline(original, DeadlineKind.CONTINUOUS)
    return None


def _read_unspecified(original: str, phrase: str, ctx: DeadlineContext) -> Deadline | None:
    if any(marker in phrase for marker in _UNSPECIFIED_MARKERS):
        return Deadline(original, DeadlineKind.UNSPECIFIED)
    return None


# Order matters: a named day beats a recurrence ("Trước ngày 15 hằng tháng" is monthly
# because it has no full date), a recurrence beats "Thường xuyên" ("Thường xuyên, hằng
# năm" is yearly), and quarters and months beat bare years ("Quý III Năm 2026").
_READERS = (
    _read_dates,
    _read_recurring,
    _read_quarters,
    _read_month,
    _read_half,
    _read_years,
    _read_continuous,
    _read_unspecified,
)
