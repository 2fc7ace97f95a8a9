"""The preview of what is due (`notifier due --at … --json`): what would go out, computed in a
transaction that is rolled back, so previewing changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.clock import iso_utc
from notifier.schedule.digest_view import DigestView, digest_view
from notifier.schedule.models import Digest, DigestStatus
from notifier.schedule.policy import Policy
from notifier.schedule.roll_over import roll_over
from notifier.schedule.scan import scan
from notifier.schedule.summary import queue_weekly_summary


@dataclass(frozen=True)
class DueDigest:
    """A digest the preview says would go out: what it holds, as its recipient would read it."""

    view: DigestView

    def json(self) -> dict[str, Any]:
        """The `notifier due --at … --json` row."""
        return {
            "unit": self.view.unit,
            "role": self.view.output_role,
            "kind": self.view.kind,
            "send_at": iso_utc(self.view.send_at),
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
                for i in self.view.items
            ],
        }


def due_preview(engine: Engine, policy: Policy, at: datetime) -> list[DueDigest]:
    """What would go out at ``at``: the tracks' roll-over to that day, the scan and the grouping run
    in a transaction that is rolled back."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(connection) as session:
                roll_over(session, policy, at)
                session.flush()
            scan(connection, policy, at)  # type: ignore[arg-type]
            queue_weekly_summary(connection, policy, at)  # type: ignore[arg-type]
            with Session(connection) as session:
                return _digests_at(session, policy, at)
        finally:
            transaction.rollback()


def _digests_at(session: Session, policy: Policy, at: datetime) -> list[DueDigest]:
    digests = session.exec(
        select(Digest)
        .where(Digest.status == DigestStatus.OPEN, col(Digest.send_at) <= at)
        .order_by(col(Digest.unit_id))
    ).all()
    return [DueDigest(digest_view(session, digest, policy.calendar)) for digest in digests]
