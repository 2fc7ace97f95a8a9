"""The one clock of a process, and Vietnam time.

Every decision about what is due, what is late, when a code expires or which day it is reads
``Clock.now()``. The clock is made once per process (``Clock.from_option``: ``--now`` first, then
``NOTIFIER_NOW``, else the real time), passed down to whatever needs it, and installed as the
process clock so that rows stamp their ``created_at`` with the same time (row defaults cannot take
arguments).

Real time is read in exactly three functions here: ``Clock.now`` when no moment was fixed,
``wall_time`` for what is about the machine rather than the business calendar (leases, rate-limit
turns, retry pacing, liveness), and ``stopwatch`` for measuring how long something took. Every
call of ``wall_time`` carries a "real time:" comment saying why; ``tests/test_clock.py`` walks
the source and fails on any other read of the real time.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as wall_clock
from zoneinfo import ZoneInfo


class Clock:
    """The business clock: a fixed moment (previews, demos, tests) or the real time."""

    def __init__(self, fixed: datetime | None = None) -> None:
        if fixed is not None and fixed.tzinfo is None:
            raise ValueError("naive datetime: say which time zone it is in")
        self.fixed = fixed.astimezone(UTC) if fixed is not None else None

    def now(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now()

    @classmethod
    def from_option(cls, option: datetime | None, environment: datetime | None) -> Clock:
        """``--now`` wins over ``NOTIFIER_NOW``; neither means the real time."""
        return cls(option or environment)


_process_clock = Clock()


def install(clock: Clock) -> Clock:
    """Make ``clock`` the one that stamps new rows; done once, where the process makes its clock."""
    global _process_clock
    _process_clock = clock
    return clock


def process_clock() -> Clock:
    return _process_clock


def stamp() -> datetime:
    """A new row's creation time, on the process clock."""
    return _process_clock.now()


def wall_time() -> datetime:
    """The machine's real time, aware UTC: only for leases, rate-limit turns, retry pacing and
    liveness, which are about the machine, never about the calendar of the plan."""
    return datetime.now(UTC)


def stopwatch() -> float:
    """Seconds on a monotonic counter, for durations in logs and timeouts; never a date."""
    return time.monotonic()


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def vietnam_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: say which time zone it is in")
    return moment.astimezone(VIETNAM)


def parse_vietnam_time(text: str) -> datetime:
    """ISO 8601 as aware UTC; without an offset it means Vietnam time. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip())
    return (moment.replace(tzinfo=VIETNAM) if moment.tzinfo is None else moment).astimezone(UTC)


def at_vietnam(day: date, clock: wall_clock) -> datetime:
    """That wall-clock time in Vietnam on that day, as aware UTC."""
    return datetime.combine(day, clock, tzinfo=VIETNAM).astimezone(UTC)


def iso_day(day: date | None) -> str | None:
    """A date as the JSON contract writes it (2026-03-10); None stays None."""
    return day.isoformat() if day else None


def iso_utc(moment: datetime | None) -> str | None:
    """A stored moment as the JSON contract writes it: ISO 8601 in UTC; None stays None."""
    return moment.astimezone(UTC).isoformat() if moment else None
