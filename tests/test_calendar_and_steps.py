"""The working calendar (Tết, 30/4–1/5, the 2/9 substitution days, office days off and make-up days,
a server in UTC) and the reminder steps each policy rule produces."""

from __future__ import annotations

import os
import time as systime
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.clock import VIETNAM, at_vietnam
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy import Policy, RoleRules
from notifier.schedule.steps import Plot, fallen_due, steps

CAL = WorkingCalendar()
D = date


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),
        *(D(2026, 2, d) for d in range(16, 21)),
        D(2026, 4, 27),
        D(2026, 4, 30),
        D(2026, 5, 1),
        D(2026, 8, 31),
        D(2026, 9, 1),
        D(2026, 9, 2),
    ],
)
def test_public_holidays_and_substitution_days_are_not_working_days(day: date) -> None:
    assert not CAL.is_working_day(day)
    assert CAL.holiday_name(day)


def test_tet_2026_is_skipped_when_counting() -> None:
    assert CAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert CAL.add_working_days(D(2026, 2, 23), -1) == D(2026, 2, 13)


def test_reunification_and_labour_day_and_national_day() -> None:
    assert CAL.add_working_days(D(2026, 4, 29), 1) == D(2026, 5, 4)
    assert CAL.add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)


def test_office_days_off_and_make_up_saturdays() -> None:
    office = WorkingCalendar(days_off=frozenset({D(2026, 12, 31)}), make_up_days=frozenset({D(2026, 1, 10)}))
    assert not office.is_working_day(D(2026, 12, 31))
    assert office.is_working_day(D(2026, 1, 10))  # a Saturday worked
    assert office.add_working_days(D(2026, 1, 9), 1) == D(2026, 1, 10)


@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2030, 12, 31)), st.integers(min_value=-40, max_value=40))
def test_adding_working_days_then_counting_them_round_trips(day: date, n: int) -> None:
    later = CAL.add_working_days(day, n)
    assert CAL.working_days_between(day, later) == n
    if n:
        assert CAL.is_working_day(later)


def _walked(calendar: WorkingCalendar, start: date, end: date) -> int:
    """Working days between two dates, counted one day at a time."""
    if end < start:
        return -sum(calendar.is_working_day(end + timedelta(days=n)) for n in range((start - end).days))
    return sum(calendar.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


OFFICE = WorkingCalendar(days_off=frozenset({D(2026, 12, 31)}), make_up_days=frozenset({D(2026, 1, 10)}))


@given(st.dates(min_value=D(2020, 1, 1), max_value=D(2032, 12, 31)), st.integers(min_value=-800, max_value=800))
def test_counting_working_days_between_two_dates_agrees_with_walking_them(day: date, span: int) -> None:
    """The count is read from per-year tables; it must be the walk's, across years and the office's own days."""
    other = day + timedelta(days=span)
    assert OFFICE.working_days_between(day, other) == _walked(OFFICE, day, other)


def test_send_slot_waits_for_office_hours_on_working_days() -> None:
    friday_evening = at_vietnam(D(2026, 11, 27), time(18, 0))
    assert CAL.send_slot(friday_evening, time(8, 0)) == at_vietnam(D(2026, 11, 30), time(8, 0))
    early = at_vietnam(D(2026, 11, 27), time(6, 0))
    assert CAL.send_slot(early, time(8, 0)) == at_vietnam(D(2026, 11, 27), time(8, 0))
    mid_morning = at_vietnam(D(2026, 11, 27), time(10, 15))
    assert CAL.send_slot(mid_morning, time(8, 0)) == mid_morning
    before_tet = at_vietnam(D(2026, 2, 13), time(17, 30))
    assert CAL.send_slot(before_tet, time(8, 0)) == at_vietnam(D(2026, 2, 23), time(8, 0))


@pytest.fixture
def server_in_new_york() -> Iterator[None]:
    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    systime.tzset()
    yield
    if old is None:
        os.environ.pop("TZ")
    else:
        os.environ["TZ"] = old
    systime.tzset()


def test_the_server_time_zone_changes_nothing(server_in_new_york: None) -> None:
    moment = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)  # 07:30 in Vietnam, still 26/11 in New York
    assert CAL.send_slot(moment, time(8, 0)) == datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    assert at_vietnam(D(2026, 11, 27), time(8, 0)).astimezone(VIETNAM).hour == 8


LEAD = Policy().lead
COORDINATING = Policy().coordinating


def _names(plot: Plot, count: int) -> list[tuple[str, date]]:
    return [(s.name, s.day) for s in islice(steps(plot, CAL), count)]


def test_lead_steps_14_7_3_1_due_then_every_3_and_escalation_after_5() -> None:
    plot = Plot(due=D(2026, 12, 31), window_start=D(2026, 10, 1), rules=LEAD)
    assert _names(plot, 10) == [
        ("window_open", D(2026, 10, 1)),
        ("before_14", D(2026, 12, 11)),
        ("before_7", D(2026, 12, 22)),
        ("before_3", D(2026, 12, 28)),
        ("before_1", D(2026, 12, 30)),
        ("due", D(2026, 12, 31)),
        ("overdue_1", D(2027, 1, 6)),  # 1/1/2027 is a holiday
        ("escalation", D(2027, 1, 8)),
        ("overdue_2", D(2027, 1, 11)),
        ("overdue_3", D(2027, 1, 14)),
    ]


def test_coordinating_units_hear_7_working_days_before_and_on_the_day_only() -> None:
    plot = Plot(due=D(2026, 12, 31), window_start=D(2026, 10, 1), rules=COORDINATING)
    assert list((s.name, s.day) for s in steps(plot, CAL)) == [("before_7", D(2026, 12, 22)), ("due", D(2026, 12, 31))]


def test_a_due_date_on_a_saturday_is_told_on_the_friday_and_counting_skips_tet() -> None:
    plot = Plot(due=D(2026, 2, 28), window_start=None, rules=LEAD)
    named = dict(_names(plot, 6))
    assert named["due"] == D(2026, 2, 27)
    assert named["before_7"] == D(2026, 2, 12)  # Tết 16–20/02 is not counted
    assert named["before_14"] == D(2026, 2, 3)


def test_continuous_tasks_check_in_on_the_first_working_day_of_each_month() -> None:
    plot = Plot(due=None, window_start=None, rules=LEAD, continuous=True, since=D(2026, 1, 1))
    days = [s.day for s in islice(steps(plot, CAL), 10)]
    assert days[:3] == [D(2026, 1, 2), D(2026, 2, 2), D(2026, 3, 2)]
    assert days[8] == D(2026, 9, 3)  # 31/8, 1/9 and 2/9 are days off
    assert list(steps(Plot(due=None, window_start=None, rules=COORDINATING, continuous=True), CAL)) == []


def test_missed_steps_come_back_together_for_collapsing() -> None:
    plot = Plot(due=D(2026, 12, 31), window_start=None, rules=LEAD)
    passed, following = fallen_due(plot, CAL, D(2026, 12, 10), D(2026, 12, 29))
    assert [s.name for s in passed] == ["before_14", "before_7", "before_3"]
    assert following is not None and following.name == "before_1"


def test_a_task_without_rules_for_overdue_stops_at_the_due_day() -> None:
    rules = RoleRules(before=(2,), on_due_day=True)
    plot = Plot(due=D(2026, 12, 31), window_start=None, rules=rules)
    assert [s.name for s in steps(plot, CAL)] == ["before_2", "due"]


@given(
    st.dates(min_value=D(2025, 1, 1), max_value=D(2028, 12, 31)),
    st.integers(min_value=-30, max_value=400),
    st.integers(min_value=0, max_value=200),
)
def test_a_long_overdue_track_skips_its_past_and_finds_the_same_steps(due: date, lag: int, span: int) -> None:
    """Steps after a day, started near it, are the steps of the whole sequence after that day."""
    plot, after = Plot(due=due, window_start=None, rules=LEAD), due + timedelta(days=lag)
    whole = fallen_due(plot, CAL, None, after + timedelta(days=span))
    since = ([s for s in whole[0] if s.day > after], whole[1])
    assert fallen_due(plot, CAL, after, after + timedelta(days=span)) == since


@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2029, 12, 31)))
def test_steps_never_fall_on_a_day_off_and_never_go_backwards(due: date) -> None:
    plot = Plot(due=due, window_start=due - timedelta(days=90), rules=LEAD)
    days = [s.day for s in islice(steps(plot, CAL), 12)]
    assert all(CAL.is_working_day(d) for d in days)
    assert days == sorted(days)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-11-27 08:00", 2, "2026-11-27 10:00"),  # inside the day
        ("2026-11-27 15:00", 4, "2026-11-30 09:30"),  # 2 h on Friday, 2 h from Monday's opening
        ("2026-11-27 18:00", 1, "2026-11-30 08:30"),  # after closing: counts from the next opening
        ("2026-11-28 10:00", 2, "2026-11-30 09:30"),  # a Saturday counts nothing
        ("2026-11-27 16:00", 1, "2026-11-27 17:00"),  # exactly at closing
        ("2026-04-29 16:00", 3, "2026-05-04 09:30"),  # 30/4 and 1/5 are holidays, then a weekend
    ],
)
def test_working_hours_run_only_in_office_hours_of_working_days(start: str, hours: int, expected: str) -> None:
    moment = datetime.fromisoformat(start).replace(tzinfo=VIETNAM)
    got = WorkingCalendar().add_working_hours(moment, hours).astimezone(VIETNAM)
    assert got.strftime("%Y-%m-%d %H:%M") == expected


@given(st.integers(min_value=0, max_value=60 * 24 * 30), st.integers(min_value=1, max_value=40))
def test_working_hours_add_up_and_land_in_office_hours(minutes: int, hours: int) -> None:
    calendar = WorkingCalendar()
    start = datetime(2026, 11, 1, tzinfo=VIETNAM) + timedelta(minutes=minutes)
    end = calendar.add_working_hours(start, hours)
    step = calendar.add_working_hours(calendar.add_working_hours(start, hours / 2), hours / 2)
    assert end == step  # two halves make the whole
    local = end.astimezone(VIETNAM)
    assert calendar.is_working_day(local.date()) and calendar.office_opens < local.time() <= calendar.office_closes
