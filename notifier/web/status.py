"""Where each task stands, in the categories government task tracking uses (QĐ 42/2014/QĐ-TTg and
the trackers built on it), with their customary colours."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.models import Plan, Role, Task, TaskStatus
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.models import Assignment, Occurrence, RoundStatus
from notifier.schedule.steps import SOON_WORKING_DAYS
from notifier.text import labels
from notifier.units.models import Unit

CATEGORIES = labels.TASK_CATEGORY


@dataclass(frozen=True)
class TaskState:
    task: Task
    plan: str
    category: str
    due: date | None
    done_on: date | None
    lead: tuple[str, ...]

    @property
    def label(self) -> str:
        return CATEGORIES[self.category][0]

    @property
    def colour(self) -> str:
        return CATEGORIES[self.category][1]


def category(
    due: date | None,
    status: str,
    done_on: date | None,
    today: date,
    calendar: WorkingCalendar,
    *,
    continuous: bool = False,
) -> str:
    if continuous and status not in (RoundStatus.DONE, RoundStatus.REPORTED):
        return "continuous"
    if due is None:
        return "no_deadline" if status not in (RoundStatus.DONE, RoundStatus.REPORTED) else "done_on_time"
    if status in (RoundStatus.DONE, RoundStatus.REPORTED):
        return "done_on_time" if done_on is None or done_on <= due else "done_late"
    if due < today:
        return "overdue"
    return "due_soon" if calendar.working_days_between(today, due) <= SOON_WORKING_DAYS else "in_progress"


def task_states(session: Session, calendar: WorkingCalendar, today: date) -> list[TaskState]:
    """Every open task with the occurrence that matters now: the earliest open one, else the last done."""
    rows = session.exec(
        select(Task, Plan)
        .where(Task.plan_id == Plan.id, Task.status != TaskStatus.ARCHIVED)
        .order_by(col(Plan.code), col(Task.position))
    ).all()
    occurrences: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in session.exec(select(Occurrence).where(Occurrence.status != RoundStatus.CANCELLED)).all():
        occurrences[occurrence.task_id].append(occurrence)
    leads = _leads(session)
    return [
        _state(task, plan, occurrences[task.id or 0], leads.get(task.id or 0, ()), calendar, today)
        for task, plan in rows
    ]


def _state(
    task: Task, plan: Plan, rounds: list[Occurrence], lead: tuple[str, ...], calendar: WorkingCalendar, today: date
) -> TaskState:
    open_rounds = sorted((o for o in rounds if o.status == RoundStatus.OPEN), key=lambda o: o.due or date.max)
    closed = sorted((o for o in rounds if o.status != RoundStatus.OPEN), key=lambda o: o.due or date.min)
    current = open_rounds[0] if open_rounds else (closed[-1] if closed else None)
    due = current.due if current else task.due
    status = current.status if current else RoundStatus.OPEN
    done_on = vietnam_time(current.done_at).date() if current and current.done_at else None
    continuous = task.deadline_kind == DeadlineKind.CONTINUOUS.value
    state = category(due, status, done_on, today, calendar, continuous=continuous)
    return TaskState(task, plan.code, state, due, done_on, lead)


def _leads(session: Session) -> dict[int, tuple[str, ...]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(Assignment, Unit).where(
            Assignment.unit_id == Unit.id, Assignment.role == Role.LEAD, col(Assignment.active).is_(True)
        )
    ).all()
    for assignment, unit in rows:
        names[assignment.task_id].append(unit.name)
    return {task_id: tuple(units) for task_id, units in names.items()}
