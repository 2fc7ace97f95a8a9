"""The track sync a new day needs. A track's next step follows from its task, its unit and the
policy, never from the date; only a recurring task's rounds do (a new month opens one, a past one
stays open while late). So once every track was planned under the policy in force, a day's
roll-over re-plans only the tasks whose rounds that day changes, not the whole plan."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.models import Task, TaskStatus
from notifier.schedule.marks import mark_of
from notifier.schedule.models import Occurrence, RoundStatus
from notifier.schedule.planner import PLANNED_UNDER, sync_tracks, wanted_periods
from notifier.schedule.policy import Policy

RECURRING = (DeadlineKind.MONTHLY, DeadlineKind.QUARTERLY, DeadlineKind.HALF_YEARLY, DeadlineKind.YEARLY)


def roll_over(session: Session, policy: Policy, now: datetime) -> list[int] | None:
    """Bring every track to ``now``: the tasks whose rounds the date changes when all tracks follow
    ``policy``, every task otherwise. The tasks it synced (None: all of them)."""
    if mark_of(session, PLANNED_UNDER) != policy.fingerprint:
        sync_tracks(session, policy, now)
        return None
    scope = dated_tasks(session, vietnam_time(now).date())
    if scope:
        sync_tracks(session, policy, now, tasks=scope)
    return scope


def dated_tasks(session: Session, today: date) -> list[int]:
    """The recurring tasks whose open rounds on ``today`` differ from the stored ones."""
    live = col(Task.deadline_kind).in_(RECURRING) & (col(Task.status) != TaskStatus.ARCHIVED)
    stored: dict[int, dict[str, str]] = defaultdict(dict)
    rounds = select(Occurrence.task_id, Occurrence.period, Occurrence.status).join(Task).where(live)
    for task_id, period, status in session.exec(rounds).all():
        stored[task_id][period] = status
    tasks = session.exec(select(Task).where(live).order_by(col(Task.id))).all()
    return [task.id for task in tasks if task.id is not None and _rounds_change(task, today, stored[task.id])]


def _rounds_change(task: Task, today: date, stored: dict[str, str]) -> bool:
    open_keys = {key for key, status in stored.items() if status == RoundStatus.OPEN}
    wanted = wanted_periods(task, today, open_keys)
    return bool(wanted.keys() - stored.keys() or open_keys - wanted.keys())
