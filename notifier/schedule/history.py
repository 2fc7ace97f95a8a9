"""Writing an occurrence's history (``ProgressEvent``): one line per thing that happened to it."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from notifier.schedule.models import Occurrence, ProgressEvent


def record(
    session: Session,
    occurrence: Occurrence,
    kind: str,
    at: datetime,
    *,
    unit_id: int | None = None,
    due: date | None = None,
    by: str | None = None,
) -> None:
    """Append one event; ``occurrence`` must have its id (flushed)."""
    assert occurrence.id is not None, "an occurrence is flushed before its history is written"
    session.add(ProgressEvent(occurrence_id=occurrence.id, unit_id=unit_id, kind=kind, due=due, by=by, at=at))
