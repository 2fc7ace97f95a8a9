"""The scan: tracks whose next step has fallen due become reminders in their recipient's digest.

It reads only tracks with ``next_at <= now`` (an index range), so its cost follows what is due,
not the size of the plan. Several missed steps (downtime, a track that is new) collapse into one
item describing the current state; an escalation is never collapsed away.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from notifier.clock import at_vietnam, stamp, vietnam_time
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
        with Session(engine, expire_on_commit=False) as session:  # its rows are not read after the commit
            batch = _due_tracks(session, now, clashed)
            if not batch:
                return written
            book = DigestBook(session, policy, now)
            # In unit order: replicas scanning at once open their units' digests in the same order,
            # so they wait for each other instead of deadlocking.
            ordered = sorted(batch, key=lambda c: c.unit.id or 0)
            leader = _leader(session, policy)
            done = _advance_batch(session, policy, book, leader, ordered, now)
            if done is None:  # something in the batch failed: item by item, so one bad track stops no other
                done = sum(_advance_safely(session, policy, book, leader, c, now, clashed) for c in ordered)
            written += done
            session.commit()


def _advance_batch(
    session: Session, policy: Policy, book: DigestBook, leader: Unit | None, batch: list[_Context], now: datetime
) -> int | None:
    """The whole batch computed, then written set-based (a savepoint and a flush per item cost
    ~2 ms each, most of a tick); None when anything failed, nothing of the batch kept."""
    try:
        outcomes = [_outcome(policy, leader, c, now) for c in batch]
        with session.begin_nested():
            return _write(session, book, outcomes)
    except Exception as exc:
        log.info("a batch of %s due tracks goes item by item: %s", len(batch), str(exc).splitlines()[0])
        book.forget()
        return None


def _advance_safely(
    session: Session,
    policy: Policy,
    book: DigestBook,
    leader: Unit | None,
    c: _Context,
    now: datetime,
    clashed: set[int],
) -> int:
    """A track that cannot be computed must not stop the others: it is pushed back and logged.
    One that clashed with another replica's scan (PostgreSQL broke a deadlock between two that
    opened the same units' digests in another order) is left as it was, in ``clashed``, and the
    next tick takes it, when the other's digests are there to join."""
    try:
        with session.begin_nested():
            return _write(session, book, [_outcome(policy, leader, c, now)])
    except OperationalError as exc:
        log.warning("track %s clashed with another process; next tick: %s", c.track.id, str(exc).splitlines()[0])
        book.forget()
        clashed.add(c.track.id or 0)
        return 0
    except Exception:
        log.exception(
            "track %s (task %s, unit %s) failed; next try in %s", c.track.id, c.task.key, c.unit.name, RETRY_BROKEN
        )
        book.forget()
        session.execute(update(Track).where(col(Track.id) == c.track.id).values(next_at=now + RETRY_BROKEN))
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


@dataclass(frozen=True)
class _Due:
    """A reminder a passed step makes, written unless its key was written before."""

    key: str
    step: str
    state: str
    recipient: Unit
    role: str
    subject: int | None = None


@dataclass(frozen=True)
class _Outcome:
    """What one due track comes to: its next step, and the reminders of the steps that passed."""

    context: _Context
    next_step: str | None
    next_at: datetime | None
    last_day: date | None
    reminders: list[_Due]


def _leader(session: Session, policy: Policy) -> Unit | None:
    """Who escalations go to (None: nobody is named, or the name is no unit)."""
    if policy.leadership_unit is None:
        return None
    return session.exec(select(Unit).where(Unit.name == policy.leadership_unit)).first()


def _outcome(policy: Policy, leader: Unit | None, c: _Context, now: datetime) -> _Outcome:
    """A pure computation: nothing is written until the batch's outcomes are known."""
    today = vietnam_time(now).date()
    if c.task.status != TaskStatus.OPEN or c.occurrence.status != RoundStatus.OPEN or not c.assignment.active:
        return _Outcome(c, None, None, c.track.last_day, [])
    plot = plot_for(policy, c.task, c.plan, c.assignment.role, c.occurrence)
    passed, following = fallen_due(plot, policy.calendar, c.track.last_day, today)
    return _Outcome(
        c,
        following.name if following else None,
        at_vietnam(following.day, policy.send_time_for(c.unit.name)) if following else None,
        max(s.day for s in passed) if passed else c.track.last_day,
        _reminders(leader, c, passed, today),
    )


def _reminders(leader: Unit | None, c: _Context, passed: list[Step], today: date) -> list[_Due]:
    due = c.occurrence.due or "-"
    found = [
        _Due(f"{c.track.id}:{due}:escalation", step.name, "escalation", leader, Role.LEADERSHIP, c.unit.id)
        for step in passed
        if step.state == "escalation" and leader is not None
    ]
    facing = [s for s in passed if s.state != "escalation"]
    if not facing:
        return found
    latest = facing[-1]
    state = current_state(latest, today)
    if state == "overdue" and c.assignment.role != Role.LEAD and not _owed(c, latest):
        return found  # coordinating units are not chased once the due day has passed
    key = f"{c.track.id}:{due}:{latest.name}:{latest.day.isoformat()}"
    return [*found, _Due(key, latest.name, state, c.unit, c.assignment.role)]


def _owed(c: _Context, step: Step) -> bool:
    """A step the unit should have heard in time: the task was known before the step's day, so only
    an outage kept it back, and catch-up delivers it late rather than never."""
    return vietnam_time(c.task.created_at).date() < step.day


def _write(session: Session, book: DigestBook, outcomes: list[_Outcome]) -> int:
    """The outcomes in three statements: which reminder keys exist already (a step is never
    emitted twice), the new reminders, the tracks' next steps. Returns the reminders written."""
    wanted = [(o.context, r) for o in outcomes for r in o.reminders]
    keys = [r.key for _, r in wanted]
    seen = set(session.exec(select(Reminder.key).where(col(Reminder.key).in_(keys))).all()) if keys else set()
    new = [(c, r) for c, r in wanted if r.key not in seen]
    book.open_all((r.recipient, _digest_kind(r.role)) for _, r in new)
    rows = [_reminder_row(book, c, r) for c, r in new]
    if rows:
        session.connection().execute(insert(Reminder), rows)
    tracks = [
        {"track": o.context.track.id, "next_step": o.next_step, "next_at": o.next_at, "last_day": o.last_day}
        for o in outcomes
    ]
    session.connection().execute(_NEXT_STEP, tracks)  # Core: the ORM's bulk update re-evaluates the session's rows
    return len(rows)


_NEXT_STEP = (
    update(Track)
    .where(col(Track.id) == bindparam("track"))
    .values(next_step=bindparam("next_step"), next_at=bindparam("next_at"), last_day=bindparam("last_day"))
)


def _digest_kind(role: str) -> str:
    return "leadership" if role == Role.LEADERSHIP else "reminder"


def _reminder_row(book: DigestBook, c: _Context, due: _Due) -> dict[str, Any]:
    digest = book.digest_for(due.recipient, _digest_kind(due.role))
    return {
        "key": due.key,
        "track_id": c.track.id,
        "unit_id": due.recipient.id or 0,
        "subject_unit_id": due.subject,
        "task_id": c.task.id or 0,
        "occurrence_id": c.occurrence.id,
        "role": due.role,
        "step": due.step,
        "state": due.state,
        "due": c.occurrence.due,
        "digest_id": digest.id,
        "created_at": stamp(),
    }
