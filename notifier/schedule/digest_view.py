"""What a digest says, as data: its items, grouped by state, most urgent first. Every channel's
template renders this one view, and the preview (`notifier due`) reports it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.plans.models import Plan, Role, Task
from notifier.plans.periods import period_label
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.models import Digest, Occurrence, Reminder
from notifier.schedule.steps import STATE_ORDER
from notifier.units.models import Unit

STATE_LABELS = {
    "escalation": "Quá hạn, cần lãnh đạo chỉ đạo",
    "overdue": "Quá hạn",
    "due_today": "Đến hạn hôm nay",
    "upcoming": "Sắp đến hạn",
    "window_open": "Đang trong thời gian thực hiện",
    "check_in": "Nhiệm vụ thường xuyên: đề nghị báo cáo tiến độ",
}
TITLE_LIMIT = 110


@dataclass(frozen=True)
class ItemView:
    task_key: str
    number: str
    title: str
    deadline_text: str
    due: date | None
    working_days: int | None
    state: str
    role: str
    subject: str | None
    period: str = ""  # "Quý I/2026" for a recurring task's occurrence: two may stand side by side
    full_title: str = ""  # the title uncut, for email (chat messages carry the short one)
    plan: str = ""  # the plan's number (or code) while several plans are open, else ""

    @property
    def due_text(self) -> str:
        return f"{self.due:%d/%m/%Y}" if self.due else ""

    @property
    def remaining(self) -> str:
        if self.working_days is None:
            return ""
        if self.working_days > 0:
            return f"còn {self.working_days} ngày làm việc"
        if self.working_days == 0:
            return "hạn là hôm nay"
        return f"quá hạn {-self.working_days} ngày làm việc"


@dataclass(frozen=True)
class GroupView:
    state: str
    label: str
    items: list[ItemView]


@dataclass(frozen=True)
class DigestView:
    digest_id: int
    unit: str
    role: str
    kind: str
    send_at: datetime
    items: list[ItemView]

    @property
    def send_day(self) -> str:
        return f"{vietnam_time(self.send_at):%d/%m/%Y}"

    @property
    def groups(self) -> list[GroupView]:
        by_state = [(s, [i for i in self.items if i.state == s]) for s in STATE_ORDER]
        return [GroupView(s, STATE_LABELS[s], items) for s, items in by_state if items]

    @property
    def output_role(self) -> str:
        if self.role != "unit":
            return self.role
        return Role.LEAD if any(i.role == Role.LEAD for i in self.items) else Role.COORDINATING


def digest_view(session: Session, digest: Digest, calendar: WorkingCalendar) -> DigestView:
    rows = session.exec(
        select(Reminder, Task)
        .where(Reminder.digest_id == digest.id, Reminder.task_id == Task.id)
        .order_by(col(Reminder.id))
    ).all()
    units = {u.id: u.name for u in session.exec(select(Unit)).all()}
    periods = _periods(session, {r.occurrence_id for r, _ in rows if r.occurrence_id is not None})
    day = vietnam_time(digest.send_at).date()
    plans = _plan_names(session)
    items = [
        replace(_item(reminder, task, units, calendar, day, periods), plan=plans.get(task.plan_id, ""))
        for reminder, task in rows
    ]
    items.sort(key=lambda i: item_order(i.state, i.due, i.task_key))
    return DigestView(digest.id or 0, units[digest.unit_id], digest.role, digest.kind, digest.send_at, items)


def _plan_names(session: Session) -> dict[int, str]:
    """Each open plan's number as people cite it, when there are several to tell apart."""
    plans = session.exec(select(Plan).where(col(Plan.removed_at).is_(None))).all()
    if len(plans) < 2:
        return {}
    return {plan.id or 0: plan.number or plan.code for plan in plans}


def item_order(state: str, due: date | None, task_key: str) -> tuple[int, date, str]:
    """Most urgent first, then the nearest deadline."""
    return STATE_ORDER.index(state), due or date.max, task_key


def _periods(session: Session, occurrence_ids: set[int]) -> dict[int, str]:
    rows = session.exec(select(Occurrence.id, Occurrence.period).where(col(Occurrence.id).in_(occurrence_ids))).all()
    return {occurrence_id or 0: period_label(period) for occurrence_id, period in rows}


def _item(
    reminder: Reminder,
    task: Task,
    units: dict[int | None, str],
    calendar: WorkingCalendar,
    day: date,
    periods: dict[int, str],
) -> ItemView:
    due = reminder.due
    return ItemView(
        task_key=task.key,
        number=task.number,
        title=short_title(task.title),
        deadline_text=task.deadline_text,
        due=due,
        working_days=calendar.working_days_between(day, due) if due else None,
        state=reminder.state,
        role=reminder.role,
        subject=units.get(reminder.subject_unit_id) if reminder.subject_unit_id else None,
        period=periods.get(reminder.occurrence_id or 0, ""),
        full_title=task.title,
    )


def short_title(title: str) -> str:
    if len(title) <= TITLE_LIMIT:
        return title
    cut = title[:TITLE_LIMIT].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def digest_reminders(session: Session, digest: Digest) -> list[Reminder]:
    """The digest's reminders in the order the message lists them (the order buttons are numbered in)."""
    rows = session.exec(
        select(Reminder, Task).where(Reminder.digest_id == digest.id, Reminder.task_id == Task.id)
    ).all()
    return [r for r, _ in sorted(rows, key=lambda rt: item_order(rt[0].state, rt[0].due, rt[1].key))]
