"""The Vietnamese working calendar. Every working-day decision in notifier is made here.

Working days are Monday to Friday minus public holidays (the ``holidays``
package: Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9 and the government's
substitution days), minus the office's own days off, plus its make-up working
days (a Saturday worked to bridge a holiday). Times are Asia/Ho_Chi_Minh
whatever the server's time zone; storage stays UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import holidays

from notifier.clock import at_vietnam, vietnam_time

_ANCHOR = 2025  # the year working days are counted from (any year: only differences are used)


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date] = frozenset()
    make_up_days: frozenset[date] = frozenset()
    office_opens: time = time(7, 30)
    office_closes: time = time(17, 0)
    _cache: dict[int, dict[date, str]] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Every track asks for the same few offsets from the same due dates, every day: remember them.
    _offsets: dict[tuple[date, int], date] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Per year: the working days from 1 January up to each day, and those of the years before it
    # (counted from _ANCHOR): a count between two dates is two lookups, not a walk over the days.
    _ranks: dict[int, tuple[int, list[int]]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def holiday_name(self, day: date) -> str | None:
        if day.year not in self._cache:
            self._cache[day.year] = dict(holidays.country_holidays("VN", years=day.year, language="vi").items())
        return self._cache[day.year].get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.make_up_days:
            return True
        if day.weekday() >= 5 or day in self.days_off:
            return False
        return self.holiday_name(day) is None

    def next_working_day(self, day: date, *, include_today: bool = True) -> date:
        current = day if include_today else day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def previous_working_day(self, day: date, *, include_today: bool = True) -> date:
        current = day if include_today else day - timedelta(days=1)
        while not self.is_working_day(current):
            current -= timedelta(days=1)
        return current

    def add_working_days(self, day: date, count: int) -> date:
        """The working day ``count`` working days after (or, negative, before) ``day``.

        ``day`` itself need not be a working day: counting starts from it.
        """
        found = self._offsets.get((day, count))
        if found is None:
            found = self._offsets[(day, count)] = self._count_working_days(day, count)
        return found

    def _count_working_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        current, left = day, abs(count)
        while left:
            current += timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; when ``end`` is earlier, minus the
        working days from ``end`` up to (not including) ``start``: the exact inverse of add_working_days."""
        if end < start:
            return self._rank(end - timedelta(days=1)) - self._rank(start - timedelta(days=1))
        return self._rank(end) - self._rank(start)

    def _rank(self, day: date) -> int:
        """Working days from _ANCHOR's first day up to and including ``day`` (negative before it)."""
        before, within = self._year_ranks(day.year)
        return before + within[day.timetuple().tm_yday - 1]

    def _year_ranks(self, year: int) -> tuple[int, list[int]]:
        """(working days from _ANCHOR's first day to ``year``'s, negative before it; the running
        count within ``year``), the years between made on the way."""
        if _ANCHOR not in self._ranks:
            self._ranks[_ANCHOR] = (0, self._running_count(_ANCHOR))
        step, current = (1 if year >= _ANCHOR else -1), _ANCHOR
        while current != year:
            following = current + step
            if following not in self._ranks:
                before, within = self._ranks[current]
                counts = self._running_count(following)
                self._ranks[following] = (before + within[-1] if step == 1 else before - counts[-1], counts)
            current = following
        return self._ranks[year]

    def _running_count(self, year: int) -> list[int]:
        first, running, counts = date(year, 1, 1), 0, []
        for offset in range((date(year + 1, 1, 1) - first).days):
            running += self.is_working_day(first + timedelta(days=offset))
            counts.append(running)
        return counts

    def first_working_day_of_month(self, year: int, month: int) -> date:
        return self.next_working_day(date(year, month, 1))

    def in_office_hours(self, moment: datetime) -> bool:
        local = vietnam_time(moment)
        return self.is_working_day(local.date()) and self.office_opens <= local.time() < self.office_closes

    def next_opening(self, moment: datetime, clock: time) -> datetime:
        """The first time at or after ``moment`` that is ``clock`` on a working day, moved into office hours."""
        clock = min(max(clock, self.office_opens), self.office_closes)
        local = vietnam_time(moment)
        day = local.date()
        if not (self.is_working_day(day) and local.time() <= clock):
            day = self.next_working_day(day, include_today=False)
        return at_vietnam(day, clock)

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """``hours`` of office time after ``moment``: the clock runs only in office hours on
        working days (4 working hours after Friday 15:00 is Monday 09:30 when the office opens at 07:30)."""
        left, local = timedelta(hours=hours), vietnam_time(moment)
        while True:
            day = local.date()
            if self.is_working_day(day):
                start, closes = max(local, at_vietnam(day, self.office_opens)), at_vietnam(day, self.office_closes)
                if start < closes and start + left <= closes:
                    return (start + left).astimezone(UTC)
                left -= max(closes - start, timedelta(0))
            local = vietnam_time(at_vietnam(day + timedelta(days=1), time(0)))

    def send_slot(self, moment: datetime, clock: time) -> datetime:
        """When something ready at ``moment`` goes out for a recipient whose send time is ``clock``:
        at once if the office is open and the send time has passed today, else at the next opening."""
        local = vietnam_time(moment)
        if self.in_office_hours(moment) and local.time() >= clock:
            return moment.astimezone(UTC)
        return self.next_opening(moment, clock)
