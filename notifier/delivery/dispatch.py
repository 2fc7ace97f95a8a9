"""Dispatch: sealed digests become delivery rows; each delivery is claimed by a guarded update,
sent, and recorded. The row is written before the send and updated after, so a crash at any
point leaves a visible ``sending`` row that recovery settles: the channel is asked whether the
message went out, and only what did not provably go out is sent again (and logged as such)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from notifier.channels.base import Channel, ChannelError, Outbound
from notifier.db.types import utcnow
from notifier.delivery.models import Delivery, Digest
from notifier.delivery.render import render_digest
from notifier.schedule.calendar import WorkingCalendar
from notifier.units.models import Unit

log = logging.getLogger("notifier.delivery")

LEASE = timedelta(minutes=5)
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
MAX_ATTEMPTS = 8
WORKER = f"{socket.gethostname()}:{os.getpid()}"

Targets = Callable[[Unit], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    message: Outbound
    attempts: int


def seal_due_digests(engine: Engine, now: datetime, targets: Targets) -> int:
    """Close every open digest whose send time has come and write its delivery rows."""
    with Session(engine) as session:
        query = select(Digest, Unit).where(
            Digest.status == "open", col(Digest.send_at) <= now, Digest.unit_id == Unit.id
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Digest, skip_locked=True)
        rows = session.exec(query).all()
        for digest, unit in rows:
            digest.status = "sealed"
            session.add(digest)
            for channel, target in targets(unit):
                session.add(
                    Delivery(
                        key=f"{digest.id}:{channel}:{target}",
                        digest_id=digest.id or 0,
                        channel=channel,
                        target=target,
                        created_at=now,
                        updated_at=now,
                    )
                )
        session.commit()
        return len(rows)


def claim_next(
    engine: Engine, now: datetime, templates: Path, calendar: WorkingCalendar, folders: dict[str, str]
) -> Claimed | None:
    """Take one due delivery for this process; None when there is none left."""
    while True:
        with Session(engine) as session:
            query = (
                select(Delivery.id)
                .where(Delivery.status == "pending")
                .where(or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= now))
                .order_by(col(Delivery.id))
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            delivery_id = session.exec(query).first()
            if delivery_id is None:
                return None
            taken = session.exec(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, col(Delivery.status) == "pending")
                .values(
                    status="sending",
                    attempts=col(Delivery.attempts) + 1,
                    claimed_by=WORKER,
                    claimed_until=utcnow() + LEASE,
                    updated_at=utcnow(),
                )
            )
            if taken.rowcount != 1:
                session.rollback()
                continue  # another process took it first
            claimed = _prepare(session, delivery_id, templates, calendar, folders)
            session.commit()
            return claimed


def _prepare(
    session: Session, delivery_id: int, templates: Path, calendar: WorkingCalendar, folders: dict[str, str]
) -> Claimed:
    delivery = session.get_one(Delivery, delivery_id)
    if delivery.body is None:
        # Rendered once and kept: a retry sends the same words, and the log shows what was said.
        digest = session.get_one(Digest, delivery.digest_id)
        delivery.body = render_digest(session, digest, calendar, templates, folders[delivery.channel])
        session.add(delivery)
    return Claimed(
        delivery_id, delivery.channel, Outbound(delivery.key, delivery.target, delivery.body), delivery.attempts
    )


def record_sent(engine: Engine, claimed: Claimed, provider_id: str, now: datetime) -> None:
    with Session(engine) as session:
        delivery = session.get_one(Delivery, claimed.id)
        delivery.status, delivery.provider_message_id, delivery.sent_at = "sent", provider_id, now
        delivery.claimed_until, delivery.error, delivery.updated_at = None, None, utcnow()
        session.add(delivery)
        session.commit()


def record_failure(engine: Engine, claimed: Claimed, error: ChannelError, now: datetime) -> str:
    with Session(engine) as session:
        delivery = session.get_one(Delivery, claimed.id)
        delivery.error, delivery.claimed_until, delivery.updated_at = str(error), None, utcnow()
        if error.permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
        else:
            wait = error.retry_after or BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
            delivery.status, delivery.next_attempt_at = "pending", now + timedelta(seconds=wait)
        session.add(delivery)
        session.commit()
        return delivery.status


async def deliver_due(
    engine: Engine,
    channels: dict[str, Channel],
    templates: Path,
    calendar: WorkingCalendar,
    now: datetime,
    stop: asyncio.Event | None = None,
) -> int:
    """Send every due delivery, one at a time; returns how many went out. Stops between sends."""
    folders = {name: channel.template_folder for name, channel in channels.items()}
    sent = 0
    while stop is None or not stop.is_set():
        claimed = await asyncio.to_thread(claim_next, engine, now, templates, calendar, folders)
        if claimed is None:
            return sent
        sent += await _send(engine, channels[claimed.channel], claimed, now)
    return sent


def _crash_point(name: str) -> None:
    """Process tests set NOTIFIER_TEST_KILL_AT to die by SIGKILL at a named point, exactly there."""
    if os.environ.get("NOTIFIER_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


async def _send(engine: Engine, channel: Channel, claimed: Claimed, now: datetime) -> int:
    started = time.monotonic()
    _crash_point("after_claim")
    try:
        provider_id = await channel.send(claimed.message)
        _crash_point("after_send")
    except ChannelError as exc:
        outcome = await asyncio.to_thread(record_failure, engine, claimed, exc, now)
        _log(claimed, started, f"{outcome}: {exc}")
        return 0
    except Exception as exc:  # a bug or an unexpected library error must not stop the loop
        outcome = await asyncio.to_thread(record_failure, engine, claimed, ChannelError(repr(exc)), now)
        _log(claimed, started, f"{outcome}: {exc!r}")
        return 0
    await asyncio.to_thread(record_sent, engine, claimed, provider_id, now)
    _log(claimed, started, "sent")
    return 1


def _log(claimed: Claimed, started: float, outcome: str) -> None:
    target = claimed.message.target
    masked = target if len(target) <= 4 else f"{target[:2]}…{target[-2:]}"
    log.info(
        "delivery %s channel=%s target=%s attempt=%d %.0fms %s",
        claimed.id,
        claimed.channel,
        masked,
        claimed.attempts,
        (time.monotonic() - started) * 1000,
        outcome,
    )


def _interrupted(engine: Engine) -> list[Delivery]:
    """``sending`` rows whose process is gone: its claim ran out, or it was this host's and is dead."""
    with Session(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.status == "sending")).all()
        return [d for d in rows if _abandoned(d)]


def _abandoned(delivery: Delivery) -> bool:
    if delivery.claimed_until is not None and delivery.claimed_until < utcnow():
        return True
    host, _, pid = (delivery.claimed_by or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def recover_interrupted(engine: Engine, channels: dict[str, Channel], now: datetime) -> int:
    """Settle sends a crash interrupted. Returns how many were settled."""
    settled = 0
    for delivery in await asyncio.to_thread(_interrupted, engine):
        message = Outbound(delivery.key, delivery.target, delivery.body or "")
        went_out = await channels[delivery.channel].confirm(message) if delivery.channel in channels else None
        await asyncio.to_thread(_settle, engine, delivery.id or 0, went_out, now)
        settled += 1
    return settled


def _settle(engine: Engine, delivery_id: int, went_out: bool | None, now: datetime) -> None:
    with Session(engine) as session:
        delivery = session.get_one(Delivery, delivery_id)
        if delivery.status != "sending":
            return
        if went_out:
            delivery.status, delivery.sent_at = "sent", now
            delivery.note = "gửi bị gián đoạn; kênh xác nhận đã gửi"
        else:
            delivery.status, delivery.next_attempt_at = "pending", None
            delivery.note = (
                "gửi bị gián đoạn; kênh xác nhận chưa gửi: gửi lại"
                if went_out is False
                else "gửi bị gián đoạn; không biết đã tới chưa: gửi lại, có thể trùng"
            )
        delivery.claimed_until, delivery.updated_at = None, utcnow()
        session.add(delivery)
        session.commit()
        log.warning("delivery %s interrupted earlier: %s", delivery_id, delivery.note)
