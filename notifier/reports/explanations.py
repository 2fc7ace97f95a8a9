"""Requests for explanation as the office reads them (the ``notifier explanations --json``
contract), and what their messages say: the question to the unit, the answer (or its absence)
to leadership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from notifier.clock import iso_utc
from notifier.delivery.dispatch import DigestContent
from notifier.plans.models import Task
from notifier.schedule.models import Digest, ExplanationRequest, ExplanationStatus, Occurrence
from notifier.units.models import Unit


@dataclass(frozen=True)
class ExplanationRecord:
    id: int
    key: str
    number: str
    title: str
    period: str
    due: date | None
    unit: str
    question: str
    asked_by: str
    asked_via: str
    asked_at: datetime
    answer_by: date
    status: str  # waiting, answered
    answer: str
    answered_by: str | None
    answered_via: str | None
    answered_at: datetime | None
    escalated: bool  # leadership was told no answer came in time

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "period": self.period,
            "due": self.due.isoformat() if self.due else None,
            "unit": self.unit,
            "question": self.question,
            "asked_by": self.asked_by,
            "asked_via": self.asked_via,
            "asked_at": iso_utc(self.asked_at),
            "answer_by": self.answer_by.isoformat(),
            "status": self.status,
            "answer": self.answer,
            "answered_by": self.answered_by,
            "answered_via": self.answered_via,
            "answered_at": iso_utc(self.answered_at) if self.answered_at else None,
            "escalated": self.escalated,
        }


def explanation_records(
    session: Session, *, include_answered: bool = False, task_key: str | None = None, ids: list[int] | None = None
) -> list[ExplanationRecord]:
    """Waiting requests, oldest first (with ``include_answered``, every request)."""
    query = select(ExplanationRequest, Task, Occurrence, Unit).where(
        ExplanationRequest.task_id == Task.id,
        ExplanationRequest.occurrence_id == Occurrence.id,
        ExplanationRequest.unit_id == Unit.id,
    )
    if not include_answered:
        query = query.where(ExplanationRequest.status == ExplanationStatus.WAITING)
    if task_key is not None:
        query = query.where(Task.key == task_key)
    if ids is not None:
        query = query.where(col(ExplanationRequest.id).in_(ids))
    rows = session.exec(query.order_by(col(ExplanationRequest.id))).all()
    return [_record(r, task, occurrence, unit) for r, task, occurrence, unit in rows]


def _record(r: ExplanationRequest, task: Task, occurrence: Occurrence, unit: Unit) -> ExplanationRecord:
    return ExplanationRecord(
        id=r.id or 0,
        key=task.key,
        number=task.number,
        title=task.title,
        period=occurrence.period,
        due=occurrence.due,
        unit=unit.name,
        question=r.question,
        asked_by=r.asked_by,
        asked_via=r.asked_via,
        asked_at=r.asked_at,
        answer_by=r.answer_by,
        status=r.status,
        answer=r.answer,
        answered_by=r.answered_by,
        answered_via=r.answered_via,
        answered_at=r.answered_at,
        escalated=r.escalation_digest_id is not None,
    )


def explanation_content(session: Session, digest: Digest) -> DigestContent:
    """The question a unit is sent (kind "explain"), or what leadership is told (kind
    "explanation": the answer, or that none came; ``missing`` says which)."""
    query = select(ExplanationRequest).where(
        or_(
            ExplanationRequest.question_digest_id == digest.id,
            ExplanationRequest.answer_digest_id == digest.id,
            ExplanationRequest.escalation_digest_id == digest.id,
        )
    )
    request = session.exec(query).one()
    [found] = explanation_records(session, include_answered=True, ids=[request.id or 0])
    return DigestContent({"request": found, "code": digest.id, "missing": request.escalation_digest_id == digest.id})
