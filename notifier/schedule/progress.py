"""Finishing an occurrence of a task, and reopening it: one rule, whatever door it comes through.

The rule (``complete``): a unit's completion stops that unit's reminders for the occurrence. The
occurrence is finished when every lead unit has completed its part, or when the office confirms it
whole. It is "done" when every lead's completion was confirmed (by the office, or by a unit whose
reports are accepted at once), "reported" — waiting for the office — otherwise. The Telegram
"✔️ Xong" button, Zalo's "xong", the office's web page and ``notifier done`` all call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from notifier.errors import InputError
from notifier.plans.editing import find_task
from notifier.plans.models import Role, Task
from notifier.schedule.history import event, record
from notifier.schedule.models import Assignment, Occurrence, RoundStatus, Track
from notifier.text.folding import fold
from notifier.units.models import Unit

OFFICE = "văn phòng"


@dataclass(frozen=True)
class Completion:
    occurrence: Occurrence
    finished: bool  # the whole occurrence is done or reported, not only this unit's part


def current_occurrence(session: Session, task: Task, status: str = RoundStatus.OPEN) -> Occurrence | None:
    """The earliest occurrence in ``status`` (for "done" and "reported": the latest one)."""
    rows = session.exec(select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.status == status)).all()
    ordered = sorted(rows, key=lambda o: (o.due is None, o.due, o.id))
    if not ordered:
        return None
    return ordered[0] if status == RoundStatus.OPEN else ordered[-1]


def complete(
    session: Session, occurrence: Occurrence, now: datetime, *, unit: Unit | None, by: str, confirmed: bool
) -> Completion:
    """Record a completion: the office's for the whole occurrence (``unit`` None), or a unit's part."""
    tracks = _tracks(session, occurrence)
    if unit is None:
        _finish(occurrence, tracks, now, by, RoundStatus.DONE)
        record(session, event(occurrence, RoundStatus.DONE, now, by=by))
    else:
        own = [t for t, a in tracks if a.unit_id == unit.id]
        if not own:
            raise InputError(f"đơn vị «{unit.name}» không được giao nhiệm vụ này")
        finished = RoundStatus.DONE if confirmed else RoundStatus.REPORTED
        for track in own:
            track.done_at, track.done_status = track.done_at or now, finished
            track.next_at, track.next_step = None, None
        record(session, event(occurrence, finished, now, unit_id=unit.id, by=by))
        leads = [t for t, a in tracks if a.role == Role.LEAD]
        if all(t.done_at is not None for t in leads):
            whole = RoundStatus.DONE if all(t.done_status == RoundStatus.DONE for t in leads) else RoundStatus.REPORTED
            _finish(occurrence, tracks, now, by, whole)
            record(session, event(occurrence, whole, now, by=by))
    session.add_all([occurrence, *(t for t, _ in tracks)])
    session.flush()
    return Completion(occurrence, occurrence.status in (RoundStatus.DONE, RoundStatus.REPORTED))


def _finish(
    occurrence: Occurrence, tracks: list[tuple[Track, Assignment]], now: datetime, by: str, status: str
) -> None:
    if occurrence.status != RoundStatus.REPORTED:  # confirming a report keeps when the unit reported it
        occurrence.done_at, occurrence.done_by = now, by
    occurrence.status = status
    for track, _ in tracks:
        track.next_at, track.next_step = None, None


def _tracks(session: Session, occurrence: Occurrence) -> list[tuple[Track, Assignment]]:
    rows = session.exec(
        select(Track, Assignment).where(Track.occurrence_id == occurrence.id, Track.assignment_id == Assignment.id)
    ).all()
    return list(rows)


def mark_done(
    session: Session, key: str, now: datetime, *, unit: str | None = None, by: str = OFFICE, period: str | None = None
) -> Occurrence:
    """The office marks a task done: whole, or, with ``unit``, that unit's part; a reported
    completion is confirmed. Without ``period``, the earliest occurrence still open."""
    task = find_task(session, key)
    occurrence = _chosen_occurrence(session, task, period)
    if occurrence is None:
        raise InputError(f"nhiệm vụ «{key}» không có lần thực hiện nào đang mở (đã xong, hoặc chưa có hạn)")
    found = _assigned_unit(session, occurrence, unit, key) if unit is not None else None
    return complete(session, occurrence, now, unit=found, by=unit or by, confirmed=True).occurrence


def _chosen_occurrence(session: Session, task: Task, period: str | None) -> Occurrence | None:
    if period is None:
        return current_occurrence(session, task, RoundStatus.REPORTED) or current_occurrence(session, task)
    occurrence = session.exec(
        select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.period == period.strip())
    ).first()
    if occurrence is None:
        known = ", ".join(o.period for o in session.exec(select(Occurrence).where(Occurrence.task_id == task.id)))
        raise InputError(f"nhiệm vụ «{task.key}» không có kỳ «{period}» (các kỳ: {known or 'chưa có'})")
    return occurrence if occurrence.status in (RoundStatus.OPEN, RoundStatus.REPORTED) else None


def _assigned_unit(session: Session, occurrence: Occurrence, name: str, key: str) -> Unit:
    units = session.exec(
        select(Unit)
        .where(Track.occurrence_id == occurrence.id, Track.assignment_id == Assignment.id)
        .where(Assignment.unit_id == Unit.id)
    ).all()
    found = next((u for u in units if fold(u.name) == fold(name)), None)
    if found is None:
        raise InputError(f"đơn vị «{name}» không được giao nhiệm vụ «{key}»")
    return found


def reopen(session: Session, key: str, now: datetime, *, by: str = OFFICE) -> Occurrence:
    """The office rejects a reported completion or undoes one: every unit is reminded again."""
    task = find_task(session, key)
    occurrence = current_occurrence(session, task, RoundStatus.REPORTED) or current_occurrence(
        session, task, RoundStatus.DONE
    )
    if occurrence is None:
        partly = session.exec(
            select(Track)
            .where(Track.occurrence_id == Occurrence.id, Occurrence.task_id == task.id)
            .where(col(Track.done_at).is_not(None), Occurrence.status == RoundStatus.OPEN)
        ).all()
        if not partly:
            raise InputError(f"nhiệm vụ «{key}» chưa được đánh dấu hoàn thành")
        occurrence = session.get_one(Occurrence, partly[0].occurrence_id)
    occurrence.status, occurrence.done_at, occurrence.done_by = RoundStatus.OPEN, None, None
    record(session, event(occurrence, "reopened", now, by=by))
    for track in session.exec(select(Track).where(Track.occurrence_id == occurrence.id)).all():
        track.done_at, track.done_status = None, None  # the planner gives it its next step again
        session.add(track)
    session.add(occurrence)
    session.flush()
    return occurrence
