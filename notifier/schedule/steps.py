"""The reminder steps of one unit's part in one occurrence of a task, as a date sequence.

Pure functions of the policy, the calendar and the dates: the scanner asks for
"the steps that fell due since the last one sent" and "the next step".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count

from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy import RoleRules

# Item states, in the order a digest lists them.
STATE_ORDER = ("escalation", "overdue", "due_today", "upcoming", "window_open", "check_in")
# "Due soon" on the office's pages and in the weekly summary: within this many working days.
SOON_WORKING_DAYS = 10


@dataclass(frozen=True)
class Step:
    name: str
    day: date
    state: str


@dataclass(frozen=True)
class Plot:
    """What the steps depend on: the occurrence's dates and the role's rules."""

    due: date | None
    window_start: date | None
    rules: RoleRules
    continuous: bool = False
    check_in_day: int = 1
    since: date | None = None  # continuous check-ins start in this month


def steps(plot: Plot, calendar: WorkingCalendar, after: date | None = None) -> Iterator[Step]:
    """Every step in date order; overdue reminders and check-ins go on for ever. With ``after``,
    the overdue reminders start at the first one after it (those before are skipped unmade: a
    track long overdue need not walk its whole past on every step)."""
    if plot.continuous:
        if plot.rules.check_in:
            yield from _check_ins(plot, calendar)
        return
    if plot.due is None:
        return
    yield from sorted(_before_and_due(plot, calendar), key=lambda s: (s.day, -STATE_ORDER.index(s.state)))
    yield from _after_due(plot, plot.due, calendar, after)


def _before_and_due(plot: Plot, calendar: WorkingCalendar) -> list[Step]:
    assert plot.due is not None
    found: list[Step] = []
    if plot.window_start and plot.rules.window_open and plot.window_start < plot.due:
        found.append(Step("window_open", calendar.next_working_day(plot.window_start), "window_open"))
    found += [Step(f"before_{n}", calendar.add_working_days(plot.due, -n), "upcoming") for n in plot.rules.before]
    if plot.rules.on_due_day:
        # A due date on a weekend or holiday is told on the working day before it.
        found.append(Step("due", calendar.previous_working_day(plot.due), "due_today"))
    return found


def _after_due(plot: Plot, due: date, calendar: WorkingCalendar, after: date | None) -> Iterator[Step]:
    every, escalate = plot.rules.overdue_every, plot.rules.escalate_after
    if every is None and escalate is None:
        return
    marks: list[tuple[int, Step]] = []
    if escalate is not None:
        marks.append((escalate, Step("escalation", calendar.add_working_days(due, escalate), "escalation")))
    if every is None:
        yield from (step for _, step in marks)
        return
    # The n-th reminder falls n * every working days after the due day: the first one after
    # ``after`` is the one past the working days counted up to it.
    first = calendar.working_days_between(due, after) // every + 1 if after and after > due else 1
    for n in count(first):
        offset = n * every
        while marks and marks[0][0] < offset:
            yield marks.pop(0)[1]
        yield Step(f"overdue_{n}", calendar.add_working_days(due, offset), "overdue")
        if marks and marks[0][0] == offset:
            yield marks.pop(0)[1]


def _check_ins(plot: Plot, calendar: WorkingCalendar) -> Iterator[Step]:
    start = plot.since or plot.window_start
    if start is None:
        return  # nothing says from when: the planner always says (the plan's year)
    year, month = start.year, start.month
    while True:
        first = calendar.first_working_day_of_month(year, month)
        day = calendar.add_working_days(first, plot.check_in_day - 1) if plot.check_in_day > 1 else first
        yield Step(f"check_in_{year}-{month:02d}", day, "check_in")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def fallen_due(
    plot: Plot, calendar: WorkingCalendar, after: date | None, until: date
) -> tuple[list[Step], Step | None]:
    """Steps with ``after`` < day <= ``until`` (all up to ``until`` when ``after`` is None), and the next one."""
    passed: list[Step] = []
    for step in steps(plot, calendar, after):
        if step.day > until:
            return passed, step
        if after is None or step.day > after:
            passed.append(step)
    return passed, None


def current_state(step: Step, today: date) -> str:
    """The state a collapsed step stands for today: a due day already past is overdue."""
    if step.state == "due_today" and step.day < today:
        return "overdue"
    return step.state
