"""The preview of what is due (`notifier due --at … --json`): what would go out, computed in a
transaction that is rolled back, so previewing changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.clock import iso_utc
from notifier.schedule.digest_view import digest_view
from notifier.schedule.models import Digest, DigestStatus
from notifier.schedule.planner import sync_tracks
from notifier.schedule.policy import Policy
from notifier.schedule.scan import scan
from notifier.schedule.summary import queue_weekly_summary


def due_preview(engine: Engine, policy: Policy, at: datetime) -> list[dict[str, Any]]:
    """What would go out at ``at``: the track sync, scan and grouping run in a transaction that is
    rolled back."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(connection) as session:
                sync_tracks(session, policy, at)
                session.flush()
            scan(connection, policy, at)  # type: ignore[arg-type]
            queue_weekly_summary(connection, policy, at)  # type: ignore[arg-type]
            with Session(connection) as session:
                return _digests_at(session, policy, at)
        finally:
            transaction.rollback()


def _digests_at(session: Session, policy: Policy, at: datetime) -> list[dict[str, Any]]:
    digests = session.exec(
        select(Digest)
        .where(Digest.status == DigestStatus.OPEN, col(Digest.send_at) <= at)
        .order_by(col(Digest.unit_id))
    ).all()
    out = []
    for digest in digests:
        view = digest_view(session, digest, policy.calendar)
        out.append(
            {
                "unit": view.unit,
                "role": view.output_role,
                "kind": digest.kind,
                "send_at": iso_utc(digest.send_at),
                "items": [
                    {
                        "task_key": i.task_key,
                        "number": i.number,
                        "title": i.title,
                        "state": i.state,
                        "due": i.due.isoformat() if i.due else None,
                        "working_days": i.working_days,
                        "role": i.role,
                        "unit": i.subject,
                        "period": i.period or None,
                    }
                    for i in view.items
                ],
            }
        )
    return out
