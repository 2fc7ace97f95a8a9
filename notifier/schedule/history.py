"""Writing an occurrence's history (``ProgressEvent``): one line per thing that happened to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from notifier.schedule.models import Occurrence, ProgressEvent


def record(session: Session, row: dict[str, Any]) -> None:
    """Append one event (a row made by ``event``)."""
    session.add(ProgressEvent(**row))


def event(
    occurrence: Occurrence,
    kind: str,
    at: datetime,
    *,
    unit_id: int | None = None,
    due: date | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    """One event's row, for ``record`` or ``record_all``; ``occurrence`` must have its id (flushed)."""
    assert occurrence.id is not None, "an occurrence is flushed before its history is written"
    return {"occurrence_id": occurrence.id, "unit_id": unit_id, "kind": kind, "due": due, "by": by, "at": at}


def record_all(session: Session, events: list[dict[str, Any]]) -> None:
    """Many events in one bulk insert (a whole plan's new deadlines at its import)."""
    if events:
        session.execute(insert(ProgressEvent), events)
