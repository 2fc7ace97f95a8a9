"""Reminders the office asks for by hand: a unit's digest now, and snoozing a task a working day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from notifier.clock import at_vietnam, vietnam_time
from notifier.plans.models import Plan, Role, Task, TaskStatus
from notifier.schedule.digests import DigestBook
from notifier.schedule.models import Assignment, Occurrence, Reminder, RoundStatus, Track
from notifier.schedule.planner import plot_for
from notifier.schedule.policy import Policy
from notifier.schedule.steps import current_state, fallen_due
from notifier.units.models import Unit


def digest_now(session: Session, policy: Policy, unit: Unit, now: datetime) -> int:
    """Put every open item of the unit, as it stands, into its next digest (at once in office hours)."""
    today = vietnam_time(now).date()
    rows = session.execute(
        sa_select(Track, Assignment, Occurrence, Task, Plan)
        .where(col(Track.assignment_id) == col(Assignment.id), col(Track.occurrence_id) == col(Occurrence.id))
        .where(col(Assignment.task_id) == col(Task.id), col(Task.plan_id) == col(Plan.id))
        .where(col(Assignment.unit_id) == unit.id, col(Assignment.active).is_(True))
        .where(col(Occurrence.status) == RoundStatus.OPEN, col(Task.status) == TaskStatus.OPEN)
    ).all()
    book = DigestBook(session, policy, now)
    written = 0
    for track, assignment, occurrence, task, plan in rows:
        passed, following = fallen_due(
            plot_for(policy, task, plan, assignment.role, occurrence), policy.calendar, None, today
        )
        if passed:
            state = current_state(passed[-1], today)
        elif following is not None and assignment.role == Role.LEAD:
            state = "upcoming"
        else:
            continue  # a coordinating unit hears of a task only once its steps begin
        if state == "overdue" and assignment.role != Role.LEAD:
            continue
        if state == "escalation":
            state = "overdue"
        digest = book.digest_for(unit, "reminder")
        session.add(
            Reminder(
                key=f"now:{track.id}:{now.isoformat()}",
                track_id=track.id,
                unit_id=unit.id or 0,
                task_id=task.id or 0,
                occurrence_id=occurrence.id,
                role=assignment.role,
                step="on_demand",
                state=state,
                due=occurrence.due,
                digest_id=digest.id,
            )
        )
        written += 1
    session.flush()
    return written


def snooze_task(session: Session, policy: Policy, task: Task, now: datetime) -> int:
    """Hold the task's next reminders until the next working day's send time."""
    day = policy.calendar.next_working_day(vietnam_time(now).date(), include_today=False)
    tracks = session.exec(
        select(Track, Unit)
        .where(
            Track.occurrence_id == Occurrence.id, Occurrence.task_id == task.id, Occurrence.status == RoundStatus.OPEN
        )
        .where(Track.assignment_id == Assignment.id, Assignment.unit_id == Unit.id, col(Track.next_at).is_not(None))
    ).all()
    for track, unit in tracks:
        later = at_vietnam(day, policy.send_time_for(unit.name))
        if track.next_at is not None and track.next_at < later:
            track.next_at = later
            session.add(track)
    session.flush()
    return len(tracks)
