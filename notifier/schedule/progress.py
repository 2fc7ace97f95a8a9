"""Marking a task (its current occurrence) done, and reopening it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from notifier.errors import InputError
from notifier.plans.editing import find_task
from notifier.plans.models import Task
from notifier.schedule.models import Assignment, Occurrence, Track
from notifier.text.folding import fold
from notifier.units.models import Unit


def current_occurrence(session: Session, task: Task, status: str = "open") -> Occurrence | None:
    """The earliest occurrence in ``status`` (for "done" and "reported": the latest one)."""
    rows = session.exec(select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.status == status)).all()
    ordered = sorted(rows, key=lambda o: (o.due is None, o.due, o.id))
    if not ordered:
        return None
    return ordered[0] if status == "open" else ordered[-1]


def mark_done(
    session: Session, key: str, now: datetime, *, unit: str | None = None, by: str = "văn phòng"
) -> Occurrence:
    """Done for every unit, or, with ``unit``, that unit's part only (the occurrence is done
    when every lead unit has reported)."""
    task = find_task(session, key)
    occurrence = current_occurrence(session, task, "reported") or current_occurrence(session, task)
    if occurrence is None:
        raise InputError(f"nhiệm vụ «{key}» không có lần thực hiện nào đang mở (đã xong, hoặc chưa có hạn)")
    if occurrence.status == "reported" and unit is None:
        occurrence.status = "done"  # the office confirms what the unit reported
        session.add(occurrence)
        session.flush()
        return occurrence
    tracks = session.exec(
        select(Track, Assignment, Unit).where(
            Track.occurrence_id == occurrence.id, Track.assignment_id == Assignment.id, Assignment.unit_id == Unit.id
        )
    ).all()
    chosen = [(t, a, u) for t, a, u in tracks if unit is None or fold(u.name) == fold(unit)]
    if unit is not None and not chosen:
        raise InputError(f"đơn vị «{unit}» không được giao nhiệm vụ «{key}»")
    for track, _, _ in chosen:
        track.done_at, track.next_at, track.next_step = now, None, None
        session.add(track)
    leads = [t for t, a, _ in tracks if a.role == "lead"]
    if unit is None or all(t.done_at is not None for t in leads):
        occurrence.status, occurrence.done_at, occurrence.done_by = "done", now, unit or by
        for track, _, _ in tracks:
            track.next_at, track.next_step = None, None
            session.add(track)
    session.add(occurrence)
    session.flush()
    return occurrence


def reopen(session: Session, key: str) -> Occurrence:
    task = find_task(session, key)
    occurrence = current_occurrence(session, task, "reported") or current_occurrence(session, task, "done")
    if occurrence is None:
        partly = session.exec(
            select(Track)
            .where(Track.occurrence_id == Occurrence.id, Occurrence.task_id == task.id)
            .where(col(Track.done_at).is_not(None), Occurrence.status == "open")
        ).all()
        if not partly:
            raise InputError(f"nhiệm vụ «{key}» chưa được đánh dấu hoàn thành")
        occurrence = session.get_one(Occurrence, partly[0].occurrence_id)
    occurrence.status, occurrence.done_at, occurrence.done_by = "open", None, None
    for track in session.exec(select(Track).where(Track.occurrence_id == occurrence.id)).all():
        track.done_at = None  # the planner gives it its next step again
        session.add(track)
    session.add(occurrence)
    session.flush()
    return occurrence
