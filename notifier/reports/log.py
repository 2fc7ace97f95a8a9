"""The reminder log and the service's status, as the CLI contract (`notifier log --json`,
`notifier status --json`) describes them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from notifier.clock import iso_utc, vietnam_time, wall_time
from notifier.delivery.models import Ack, Delivery, DeliveryStatus, Heartbeat
from notifier.plans.identity import plan_of
from notifier.plans.models import Task
from notifier.schedule.digest_view import item_order
from notifier.schedule.models import Digest, DigestStatus, Reminder, Track
from notifier.text.folding import fold
from notifier.units.links import unconfigured_error, unconfigured_links
from notifier.units.models import Unit

HEARTBEAT_STALE = timedelta(minutes=3)


@dataclass(frozen=True)
class AckRecord:
    by: str
    at: datetime
    channel: str
    action: str  # received, done, snooze, comment

    def json(self) -> dict[str, Any]:
        return {"by": self.by, "at": iso_utc(self.at), "channel": self.channel, "action": self.action}


@dataclass(frozen=True)
class LogRecord:
    """One delivery of a digest, and what became of it: a row of the reminder log."""

    id: int
    unit: str
    channel: str
    target: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None
    note: str | None
    digest: str
    digest_id: int
    kind: str
    items: list[str]  # task keys, in the order the message lists them
    acks: list[AckRecord]
    follow_up: int = 0  # 0: the first send; N: the Nth follow-up on another channel (one story per digest_id)

    @property
    def acked(self) -> bool:
        """Somebody said they received it, or reported an item done."""
        return any(a.action in ("received", "done") for a in self.acks)

    @property
    def plans(self) -> list[str]:
        """The plans the digest spoke of (a task key starts with its plan's code)."""
        return sorted({plan_of(key) for key in self.items})

    def json(self) -> dict[str, Any]:
        """The `notifier log --json` row (times ISO 8601 in UTC)."""
        row = {name: getattr(self, name) for name in LOG_FIELDS}
        return row | {
            "created_at": iso_utc(self.created_at),
            "sent_at": iso_utc(self.sent_at),
            "acks": [a.json() for a in self.acks],
        }


LOG_FIELDS = tuple(f.name for f in fields(LogRecord))


def log_records(
    engine: Engine,
    *,
    unit: str | None = None,
    since: datetime | None = None,
    task_key: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[LogRecord]:
    with Session(engine) as session:
        query = select(Delivery, Digest, Unit).where(Delivery.digest_id == Digest.id, Digest.unit_id == Unit.id)
        if since is not None:
            query = query.where(col(Delivery.created_at) >= since)
        if statuses:
            query = query.where(col(Delivery.status).in_(statuses))
        if task_key is not None:
            about = select(Reminder.digest_id).where(Reminder.task_id == Task.id, Task.key == task_key)
            query = query.where(col(Digest.id).in_(about))
        rows = [
            r
            for r in session.exec(query.order_by(col(Delivery.id))).all()
            if unit is None or fold(r[2].name) == fold(unit)
        ]
        digest_ids = [d.id for _, d, _ in rows]
        items = _items_by_digest(session, digest_ids)
        acks = _acks_by_digest(session, digest_ids)
        return [_log_record(delivery, digest, u, items, acks) for delivery, digest, u in rows]


def _items_by_digest(session: Session, digest_ids: list[int | None]) -> dict[int, list[str]]:
    """Task keys of each digest, in the order the message lists them."""
    rows = session.exec(
        select(col(Reminder.digest_id), Reminder.state, col(Reminder.due), Task.key).where(
            col(Reminder.digest_id).in_(digest_ids), Reminder.task_id == Task.id
        )
    ).all()
    ordered = sorted(rows, key=lambda r: (r[0] or 0, item_order(r[1], r[2], r[3])))
    items: dict[int, list[str]] = defaultdict(list)
    for digest_id, _, _, key in ordered:
        items[digest_id or 0].append(key)
    return items


def _acks_by_digest(session: Session, digest_ids: list[int | None]) -> dict[int, list[AckRecord]]:
    acks: dict[int, list[AckRecord]] = defaultdict(list)
    for ack in session.exec(select(Ack).where(col(Ack.digest_id).in_(digest_ids)).order_by(col(Ack.id))).all():
        acks[ack.digest_id].append(AckRecord(ack.by, ack.at, ack.channel, ack.action))
    return acks


def _log_record(
    delivery: Delivery, digest: Digest, unit: Unit, items: dict[int, list[str]], acks: dict[int, list[AckRecord]]
) -> LogRecord:
    return LogRecord(
        id=delivery.id or 0,
        unit=unit.name,
        channel=delivery.channel,
        target=delivery.target,
        status=delivery.status,
        created_at=delivery.created_at,
        sent_at=delivery.sent_at,
        attempts=delivery.attempts,
        error=delivery.error,
        note=delivery.note,
        digest=digest.key,
        digest_id=digest.id or 0,
        kind=digest.kind,
        items=items.get(digest.id or 0, []),
        acks=acks.get(digest.id or 0, []),
        follow_up=delivery.follow_up,
    )


@dataclass(frozen=True)
class DaemonRecord:
    """The daemon's heartbeat: alive (it beat within 3 minutes), where, any problem it reports."""

    alive: bool
    pid: int | None = None
    host: str | None = None
    started_at: datetime | None = None
    beat_at: datetime | None = None
    problem: str | None = None
    tick_seconds: float | None = None

    def json(self) -> dict[str, Any]:
        """`status --json`'s ``daemon``."""
        return {
            "alive": self.alive,
            "pid": self.pid,
            "host": self.host,
            "started_at": iso_utc(self.started_at) if self.started_at else None,
            "beat_at": iso_utc(self.beat_at) if self.beat_at else None,
            "problem": self.problem,
            "tick_seconds": self.tick_seconds,
        }


@dataclass(frozen=True)
class StatusRecord:
    """What `notifier status` tells: the daemon, the sends by status, what waits, what fails."""

    daemon: DaemonRecord
    deliveries: dict[str, int]
    digests_waiting: int
    next_step_at: datetime | None
    failing_links: list[str]
    unconfigured_links: list[str]
    now: datetime

    def json(self) -> dict[str, Any]:
        """The `notifier status --json` object."""
        return {
            "daemon": self.daemon.json(),
            "deliveries": self.deliveries,
            "digests_waiting": self.digests_waiting,
            "next_step_at": iso_utc(self.next_step_at) if self.next_step_at else None,
            "failing_links": self.failing_links,
            "unconfigured_links": self.unconfigured_links,
            "now": iso_utc(self.now),
            "now_vietnam": vietnam_time(self.now).isoformat(),
        }


def daemon_record(engine: Engine) -> DaemonRecord:
    """The daemon's heartbeat as `status` and `/healthz` tell it."""
    with Session(engine) as session:
        return _daemon(session.exec(select(Heartbeat).where(Heartbeat.name == "daemon")).first())


def _daemon(beat: Heartbeat | None) -> DaemonRecord:
    if beat is None:
        return DaemonRecord(alive=False)
    # real time: liveness is about the machine, whatever clock the daemon's business runs on
    alive = wall_time() - beat.beat_at.astimezone(UTC) < HEARTBEAT_STALE
    return DaemonRecord(alive, beat.pid, beat.host, beat.started_at, beat.beat_at, beat.problem, beat.tick_seconds)


def status_record(engine: Engine, now: datetime, configured: frozenset[str]) -> StatusRecord:
    with Session(engine) as session:
        unconfigured = [
            f"{u.name} ({link.channel}: {link.target}) — {unconfigured_error(link.channel)}"
            for link, u in unconfigured_links(session, configured)
        ]
        beat = session.exec(select(Heartbeat).where(Heartbeat.name == "daemon")).first()
        deliveries = Counter(
            dict(session.exec(select(Delivery.status, func.count()).group_by(col(Delivery.status))).all())
        )
        open_digests = session.exec(select(func.count(col(Digest.id))).where(Digest.status == DigestStatus.OPEN)).one()
        next_due = session.exec(select(func.min(Track.next_at))).one()
        failing = session.exec(
            select(Delivery, Digest, Unit).where(
                Delivery.status == DeliveryStatus.FAILED, Delivery.digest_id == Digest.id, Digest.unit_id == Unit.id
            )
        ).all()
    return StatusRecord(
        daemon=_daemon(beat),
        deliveries=dict(sorted(deliveries.items())),
        digests_waiting=open_digests,
        next_step_at=next_due if isinstance(next_due, datetime) else None,
        failing_links=sorted({f"{u.name} ({d.channel}: {d.target})" for d, _, u in failing}) + unconfigured,
        unconfigured_links=unconfigured,
        now=now,
    )
