"""The daily roll-over re-plans only what the date changes (a recurring task's new or late
rounds), and that is never less than a full re-plan would do; a policy other than the one every
track follows re-plans them all."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import at_vietnam
from notifier.errors import InputError
from notifier.plans.importer import ImportOptions
from notifier.plans.models import Task
from notifier.schedule.marks import mark_of
from notifier.schedule.models import Assignment, Occurrence, Track
from notifier.schedule.planner import MIXED, PLANNED_UNDER, sync_tracks
from notifier.schedule.policy import Policy, load_policy
from notifier.schedule.roll_over import roll_over
from notifier.schedule.scan import scan
from notifier.settings import Settings
from tests.conftest import SAMPLE
from tests.test_simulation import GENERATED

Snapshot = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


@pytest.fixture
def office(settings: Settings, engine: Engine, tmp_path: Path) -> Office:
    generated = tmp_path / "sinh-ra.csv"
    generated.write_text(GENERATED, encoding="utf-8")
    start = at_vietnam(date(2026, 1, 5), time(7, 0))
    office = Office(engine, settings, load_policy(settings.policy_file), lambda: start)
    actions.plans.import_plan(office, SAMPLE, ImportOptions())
    actions.plans.import_plan(office, generated, ImportOptions(plan_code="SINH", year=2026))
    return office


def _snapshot(session: Session) -> Snapshot:
    rounds = session.exec(select(Occurrence).order_by(col(Occurrence.task_id), col(Occurrence.period))).all()
    tracks = session.exec(
        select(Track, Assignment).where(Track.assignment_id == Assignment.id).order_by(col(Track.id))
    ).all()
    return (
        [(o.task_id, o.period, o.status, o.window_start, o.due) for o in rounds],
        [(a.task_id, a.unit_id, a.role, t.occurrence_id, t.next_step, t.next_at, t.done_at) for t, a in tracks],
    )


def _days() -> list[date]:
    """Every fourth day for fourteen months, and each month's last and first day (rounds turn there)."""
    days = {date(2026, 1, 6) + timedelta(days=4 * n) for n in range(105)}
    for month in range(14):
        first = date(2026 + (month + 1) // 12, (month + 1) % 12 + 1, 1)
        days |= {first, first - timedelta(days=1)}
    return sorted(days)


def test_a_days_roll_over_leaves_nothing_a_full_re_plan_would_change(office: Office, engine: Engine) -> None:
    keys = ["SINH:6", "SINH:5", "SINH:4", "SINH:3"]  # monthly, quarterly, half-yearly, yearly
    for n, day in enumerate(_days()):
        moment = at_vietnam(day, time(8, 0))
        with Session(engine) as session:
            roll_over(session, office.policy, moment)
            session.commit()
        with engine.connect() as connection:
            scan(connection, office.policy, moment)  # type: ignore[arg-type]
        if n % 7 == 3:  # rounds finished now and then: a done round must stay done
            with suppress(InputError):  # this year's yearly round may be done already
                actions.tasks.mark_done(replace(office, clock=lambda at=moment: at), keys[n % len(keys)])
        with engine.connect() as connection, connection.begin() as transaction:
            with Session(connection) as session:
                rolled = _snapshot(session)
                sync_tracks(session, office.policy, moment)
                session.flush()
                assert _snapshot(session) == rolled, f"the roll-over of {day} left work for a full re-plan"
            transaction.rollback()


def _task_id(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        task = session.exec(select(Task).where(Task.key == key)).one()
        assert task.id is not None
        return task.id


def test_a_roll_over_re_plans_only_the_tasks_whose_rounds_the_day_changes(office: Office, engine: Engine) -> None:
    with Session(engine) as session:
        quiet = roll_over(session, office.policy, at_vietnam(date(2026, 1, 6), time(8, 0)))
        new_month = roll_over(session, office.policy, at_vietnam(date(2026, 2, 2), time(8, 0)))
        session.commit()
    assert quiet == []
    assert new_month is not None and _task_id(engine, "SINH:6") in new_month
    assert _task_id(engine, "SINH:1") not in new_month  # a one-off task's rounds never turn
    assert _task_id(engine, "SINH:5") not in new_month  # the quarter's next round was opened in January


def test_another_policy_re_plans_every_track_and_a_change_under_it_marks_them_mixed(
    office: Office, engine: Engine
) -> None:
    edited = replace(Policy(), fingerprint="edited")
    day, one = at_vietnam(date(2026, 1, 6), time(8, 0)), _task_id(engine, "SINH:1")
    with Session(engine) as session:
        assert mark_of(session, PLANNED_UNDER) == office.policy.fingerprint  # the import planned every track
        sync_tracks(session, edited, day, tasks=[one])
        assert mark_of(session, PLANNED_UNDER) == MIXED
        assert roll_over(session, office.policy, day) is None
        assert mark_of(session, PLANNED_UNDER) == office.policy.fingerprint
        assert roll_over(session, edited, day) is None
        assert roll_over(session, edited, day) == []
