"""Extension requests as the office reads them (the ``notifier extensions --json`` contract)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from notifier.clock import iso_day, iso_utc
from notifier.delivery.dispatch import DigestContent
from notifier.plans.models import Task
from notifier.schedule.models import Digest, ExtensionRequest, Occurrence, RequestStatus
from notifier.units.models import Unit

#: How a request came, as the messages name it.
VIA = {"office": "văn phòng", "web": "trang văn phòng", "telegram": "Telegram", "zalo": "Zalo", "email": "email"}


@dataclass(frozen=True)
class ExtensionRecord:
    id: int
    key: str
    title: str
    period: str
    unit: str | None
    old_due: date | None
    requested_due: date
    reason: str
    requested_by: str
    requested_via: str
    requested_at: datetime
    status: str  # pending, approved, rejected
    decided_by: str | None
    decided_at: datetime | None
    approved_due: date | None
    decision_note: str

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "period": self.period,
            "unit": self.unit,
            "old_due": iso_day(self.old_due),
            "requested_due": self.requested_due.isoformat(),
            "reason": self.reason,
            "requested_by": self.requested_by,
            "requested_via": self.requested_via,
            "requested_at": iso_utc(self.requested_at),
            "status": self.status,
            "decided_by": self.decided_by,
            "decided_at": iso_utc(self.decided_at) if self.decided_at else None,
            "approved_due": iso_day(self.approved_due),
            "decision_note": self.decision_note,
        }


def extension_records(
    session: Session, *, include_decided: bool = False, ids: list[int] | None = None, task_key: str | None = None
) -> list[ExtensionRecord]:
    """Pending requests, oldest first (with ``include_decided``, every request; ``task_key``: one task's)."""
    query = select(ExtensionRequest, Task, Occurrence).where(
        ExtensionRequest.task_id == Task.id, ExtensionRequest.occurrence_id == Occurrence.id
    )
    if not include_decided:
        query = query.where(ExtensionRequest.status == RequestStatus.PENDING)
    if ids is not None:
        query = query.where(col(ExtensionRequest.id).in_(ids))
    if task_key is not None:
        query = query.where(Task.key == task_key)
    units = {u.id: u.name for u in session.exec(select(Unit)).all()}
    rows = session.exec(query.order_by(col(ExtensionRequest.id))).all()
    return [_record(r, task, occurrence, units.get(r.unit_id)) for r, task, occurrence in rows]


def _record(r: ExtensionRequest, task: Task, occurrence: Occurrence, unit: str | None) -> ExtensionRecord:
    return ExtensionRecord(
        id=r.id or 0,
        key=task.key,
        title=task.title,
        period=occurrence.period,
        unit=unit,
        old_due=r.old_due,
        requested_due=r.requested_due,
        reason=r.reason,
        requested_by=r.requested_by,
        requested_via=r.requested_via,
        requested_at=r.requested_at,
        status=r.status,
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        approved_due=r.approved_due,
        decision_note=r.decision_note,
    )


def notice_content(session: Session, digest: Digest) -> DigestContent:
    """What a notice digest says: the decision on the request it was opened for."""
    request = session.exec(select(ExtensionRequest).where(ExtensionRequest.notice_digest_id == digest.id)).one()
    [found] = extension_records(session, include_decided=True, ids=[request.id or 0])
    task = session.get_one(Task, request.task_id)
    return DigestContent({"request": found, "number": task.number, "unit": found.unit})


@dataclass(frozen=True)
class DecisionMessages:
    """What a decision digest says to leadership: the request it was opened for, how many
    extensions the task has had, and the office page where it can also be decided."""

    public_base_url: str | None

    def content(self, session: Session, digest: Digest) -> DigestContent:
        query = select(ExtensionRequest).where(ExtensionRequest.decision_digest_id == digest.id)
        request = session.exec(query).one()
        [found] = extension_records(session, include_decided=True, ids=[request.id or 0])
        task = session.get_one(Task, request.task_id)
        page = f"{self.public_base_url.rstrip('/')}/gia-han" if self.public_base_url else None
        values = {"request": found, "number": task.number, "code": digest.id, "page": page}
        return DigestContent(values | {"earlier": _approved_before(session, request), "via": VIA})


def _approved_before(session: Session, request: ExtensionRequest) -> int:
    """How many extensions this round of the task has had already (leadership weighs it)."""
    rows = session.exec(
        select(ExtensionRequest.id).where(
            ExtensionRequest.occurrence_id == request.occurrence_id, ExtensionRequest.status == RequestStatus.APPROVED
        )
    ).all()
    return len(rows)
