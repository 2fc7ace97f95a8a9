"""What the weekly summary says: per unit, what is overdue, due in the next two weeks, done and
unacknowledged, and which deadlines the office still has to set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.delivery.models import Ack, Delivery, DeliveryStatus
from notifier.plans.models import Role, Task, TaskStatus
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.digests import ITEM_KINDS
from notifier.schedule.models import Assignment, Digest, Occurrence, RoundStatus
from notifier.schedule.steps import SOON_WORKING_DAYS
from notifier.units.models import Unit


@dataclass(frozen=True)
class UnitLine:
    unit: str
    overdue: int
    due_soon: int
    done: int
    unacknowledged: int


@dataclass(frozen=True)
class SummaryView:
    unit: str
    send_day: str
    lines: list[UnitLine]
    unspecified: list[Task]


def summary_view(session: Session, digest: Digest, calendar: WorkingCalendar) -> SummaryView:
    day = vietnam_time(digest.send_at).date()
    soon = calendar.add_working_days(day, SOON_WORKING_DAYS)
    units = session.exec(select(Unit).where(col(Unit.active).is_(True), col(Unit.is_group).is_(False))).all()
    lines = [line for u in units if (line := _line(session, u, day, soon, digest.send_at)) is not None]
    unspecified = session.exec(
        select(Task)
        .where(Task.deadline_kind == "unspecified", Task.status == TaskStatus.OPEN)
        .order_by(col(Task.position))
    ).all()
    recipient = session.get_one(Unit, digest.unit_id)
    return SummaryView(recipient.name, f"{day:%d/%m/%Y}", lines, list(unspecified))


def _line(session: Session, unit: Unit, day: date, soon: date, at: datetime) -> UnitLine | None:
    rows = session.exec(
        select(Occurrence)
        .where(Occurrence.task_id == Assignment.task_id, Assignment.unit_id == unit.id, Assignment.role == Role.LEAD)
        .where(col(Assignment.active).is_(True), col(Occurrence.due).is_not(None))
    ).all()
    overdue = sum(o.status == RoundStatus.OPEN and o.due is not None and o.due < day for o in rows)
    due_soon = sum(o.status == RoundStatus.OPEN and o.due is not None and day <= o.due <= soon for o in rows)
    done = sum(o.status == RoundStatus.DONE for o in rows)
    unacknowledged = _unacknowledged(session, unit, at)
    if not (overdue or due_soon or done or unacknowledged):
        return None
    return UnitLine(unit.name, overdue, due_soon, done, unacknowledged)


def _unacknowledged(session: Session, unit: Unit, at: datetime) -> int:
    week_ago = at - timedelta(days=7)
    sent = session.exec(
        select(Digest.id)
        .where(Digest.unit_id == unit.id, col(Digest.kind).in_(ITEM_KINDS))
        .where(col(Digest.send_at) >= week_ago)
        .where(Delivery.digest_id == Digest.id, Delivery.status == DeliveryStatus.SENT)
        .distinct()
    ).all()
    acked = set(session.exec(select(Ack.digest_id).where(col(Ack.digest_id).in_(sent))).all())
    return len([d for d in sent if d not in acked])
