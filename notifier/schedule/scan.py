"""The scan: tracks whose next step has fallen due become reminders in their recipient's digest.

It reads only tracks with ``next_at <= now`` (an index range), so its cost follows what is due,
not the size of the plan. Several missed steps (downtime, a track that is new) collapse into one
item describing the current state; an escalation is never collapsed away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from notifier.clock import at_vietnam, vietnam_time
from notifier.plans.models import Plan, Role, Task, TaskStatus
from notifier.schedule.digests import DigestBook
from notifier.schedule.models import Assignment, Occurrence, Reminder, RoundStatus, Track
from notifier.schedule.planner import plot_for
from notifier.schedule.policy import Policy
from notifier.schedule.steps import Step, current_state, fallen_due
from notifier.units.models import Unit

BATCH = 500
RETRY_BROKEN = timedelta(hours=1)
log = logging.getLogger("notifier.scan")


@dataclass
class _Context:
    track: Track
    assignment: Assignment
    occurrence: Occurrence
    task: Task
    plan: Plan
    unit: Unit


def scan(engine: Engine, policy: Policy, now: datetime) -> int:
    """Process every due track, in batches of one transaction each; returns reminders written."""
    written, clashed = 0, set[int]()
    while True:
        with Session(engine) as session:
            batch = _due_tracks(session, now, clashed)
            if not batch:
                return written
            book = DigestBook(session, policy, now)
            # In unit order: replicas scanning at once open their units' digests in the same order,
            # so they wait for each other instead of deadlocking.
            for context in sorted(batch, key=lambda c: c.unit.id or 0):
                done = _advance_safely(session, policy, book, context, now)
                if done is None:
                    clashed.add(context.track.id or 0)
                written += done or 0
            session.commit()


def _advance_safely(session: Session, policy: Policy, book: DigestBook, c: _Context, now: datetime) -> int | None:
    """A track that cannot be computed must not stop the others: it is pushed back and logged.
    One that clashed with another replica's scan (PostgreSQL broke a deadlock between two that
    opened the same units' digests in another order) is left as it was: None, and the next tick
    takes it, when the other's digests are there to join."""
    try:
        with session.begin_nested():
            return _advance(session, policy, book, c, now)
    except OperationalError as exc:
        log.warning("track %s clashed with another process; next tick: %s", c.track.id, str(exc).splitlines()[0])
        book.forget()
        return None
    except Exception:
        log.exception(
            "track %s (task %s, unit %s) failed; next try in %s", c.track.id, c.task.key, c.unit.name, RETRY_BROKEN
        )
        book.forget()
        track = session.get_one(Track, c.track.id)
        track.next_at = now + RETRY_BROKEN
        session.add(track)
        return 0


def units_still_due(session: Session, now: datetime) -> set[int]:
    """The units some due track has still to reach: another replica is scanning it right now, or
    it clashed and waits for the next tick. Their digests are not sealed yet (the tracks join them)."""
    query = (
        sa_select(col(Assignment.unit_id))
        .where(col(Track.next_at).is_not(None), col(Track.next_at) <= now)
        .where(col(Track.assignment_id) == col(Assignment.id))
        .distinct()
    )
    return {unit_id for (unit_id,) in session.execute(query).all()}


def _due_tracks(session: Session, now: datetime, clashed: set[int]) -> list[_Context]:
    query = (
        sa_select(Track, Assignment, Occurrence, Task, Plan, Unit)
        .where(col(Track.next_at).is_not(None), col(Track.next_at) <= now)
        .where(col(Track.assignment_id) == col(Assignment.id), col(Track.occurrence_id) == col(Occurrence.id))
        .where(col(Assignment.task_id) == col(Task.id), col(Task.plan_id) == col(Plan.id))
        .where(col(Assignment.unit_id) == col(Unit.id))
        .order_by(col(Track.next_at))
        .limit(BATCH)
    )
    if clashed:
        query = query.where(col(Track.id).not_in(clashed))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Track, skip_locked=True)
    return [_Context(*row) for row in session.execute(query).all()]


def _advance(session: Session, policy: Policy, book: DigestBook, c: _Context, now: datetime) -> int:
    today = vietnam_time(now).date()
    if c.task.status != TaskStatus.OPEN or c.occurrence.status != RoundStatus.OPEN or not c.assignment.active:
        c.track.next_at, c.track.next_step = None, None
        session.add(c.track)
        return 0
    plot = plot_for(policy, c.task, c.plan, c.assignment.role, c.occurrence)
    passed, following = fallen_due(plot, policy.calendar, c.track.last_day, today)
    written = _emit(session, policy, book, c, passed, today)
    if passed:
        c.track.last_day = max(s.day for s in passed)
    c.track.next_step = following.name if following else None
    c.track.next_at = at_vietnam(following.day, policy.send_time_for(c.unit.name)) if following else None
    session.add(c.track)
    return written


def _emit(session: Session, policy: Policy, book: DigestBook, c: _Context, passed: list[Step], today: date) -> int:
    written = 0
    for step in (s for s in passed if s.state == "escalation"):
        written += _escalate(session, policy, book, c, step)
    facing = [s for s in passed if s.state != "escalation"]
    if not facing:
        return written
    latest = facing[-1]
    state = current_state(latest, today)
    if state == "overdue" and c.assignment.role != Role.LEAD and not _owed(c, latest):
        return written  # coordinating units are not chased once the due day has passed
    key = f"{c.track.id}:{c.occurrence.due or '-'}:{latest.name}:{latest.day.isoformat()}"
    return written + _write(session, book, c, key, latest.name, state, c.unit, c.assignment.role, None)


def _owed(c: _Context, step: Step) -> bool:
    """A step the unit should have heard in time: the task was known before the step's day, so only
    an outage kept it back, and catch-up delivers it late rather than never."""
    return vietnam_time(c.task.created_at).date() < step.day


def _escalate(session: Session, policy: Policy, book: DigestBook, c: _Context, step: Step) -> int:
    if policy.leadership_unit is None:
        return 0
    leader = session.exec(select(Unit).where(Unit.name == policy.leadership_unit)).first()
    if leader is None:
        return 0
    key = f"{c.track.id}:{c.occurrence.due or '-'}:escalation"
    return _write(session, book, c, key, step.name, "escalation", leader, Role.LEADERSHIP, c.unit.id)


def _write(
    session: Session,
    book: DigestBook,
    c: _Context,
    key: str,
    step: str,
    state: str,
    recipient: Unit,
    role: str,
    subject: int | None,
) -> int:
    if session.exec(select(Reminder.id).where(Reminder.key == key)).first() is not None:
        return 0  # this step was emitted before: never twice
    digest = book.digest_for(recipient, "leadership" if role == Role.LEADERSHIP else "reminder")
    session.add(
        Reminder(
            key=key,
            track_id=c.track.id,
            unit_id=recipient.id or 0,
            subject_unit_id=subject,
            task_id=c.task.id or 0,
            occurrence_id=c.occurrence.id,
            role=role,
            step=step,
            state=state,
            due=c.occurrence.due,
            digest_id=digest.id,
        )
    )
    return 1
