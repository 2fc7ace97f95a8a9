"""One task as the office follows it unit by unit: groups expanded to their members, each with its
own state (reminded, acknowledged, reported done) and the reminder step still to come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from notifier.delivery.models import Ack
from notifier.plans.models import Task
from notifier.schedule.models import Assignment, Occurrence, Reminder, RoundStatus, Track
from notifier.text import labels
from notifier.units.models import Unit


@dataclass(frozen=True)
class UnitPart:
    unit: str
    unit_id: int
    role: str  # chủ trì / phối hợp
    reminders: int
    last_reminded: datetime | None
    acknowledged: str | None  # who and when, as a person reads it
    state: str  # in words
    next_step: str | None
    next_at: datetime | None


def unit_parts(session: Session, task: Task) -> list[UnitPart]:
    rows = session.exec(
        select(Assignment, Unit)
        .where(Assignment.task_id == task.id, Assignment.unit_id == Unit.id, col(Assignment.active).is_(True))
        .order_by(col(Assignment.role).desc(), col(Unit.name))
    ).all()
    return [_part(session, task, assignment, unit) for assignment, unit in rows]


def _part(session: Session, task: Task, assignment: Assignment, unit: Unit) -> UnitPart:
    track = _current_track(session, assignment)
    sent = session.exec(
        select(Reminder.created_at).where(Reminder.task_id == task.id, Reminder.unit_id == unit.id)
    ).all()
    ack = session.exec(
        select(Ack)
        .join(Reminder, col(Reminder.digest_id) == Ack.digest_id)
        .where(Reminder.task_id == task.id, Reminder.unit_id == unit.id)
        .where(or_(col(Ack.task_id).is_(None), Ack.task_id == task.id))
        .order_by(col(Ack.id))
    ).first()
    return UnitPart(
        unit=unit.name,
        unit_id=unit.id or 0,
        role=labels.label(labels.ROLE, assignment.role),
        reminders=len(sent),
        last_reminded=max(sent) if sent else None,
        acknowledged=f"{ack.by}, {labels.vn_time(ack.at)}" if ack else None,
        state=_state(track, bool(sent), ack is not None),
        next_step=labels.step_label(track.next_step) if track and track.next_step else None,
        next_at=track.next_at if track else None,
    )


def _current_track(session: Session, assignment: Assignment) -> Track | None:
    """The track of the earliest open round, else of the latest one."""
    rows = session.exec(
        select(Track, Occurrence)
        .where(Track.assignment_id == assignment.id, Track.occurrence_id == Occurrence.id)
        .order_by(col(Occurrence.id))
    ).all()
    open_rounds = [track for track, occurrence in rows if occurrence.status == RoundStatus.OPEN]
    return open_rounds[0] if open_rounds else (rows[-1][0] if rows else None)


def _state(track: Track | None, reminded: bool, acknowledged: bool) -> str:
    if track is not None and track.done_status == RoundStatus.DONE:
        return "đã hoàn thành"
    if track is not None and track.done_status == RoundStatus.REPORTED:
        return "đã báo xong, chờ văn phòng xác nhận"
    if acknowledged:
        return "đã xác nhận nhận tin"
    return "đã được nhắc, chưa xác nhận" if reminded else "chưa đến lúc nhắc"
