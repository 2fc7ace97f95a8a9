"""Dispatch: sealed digests become delivery rows; each delivery is claimed by a guarded update,
sent, and recorded. The row is written before the send and updated after, so a crash at any
point leaves a visible ``sending`` row that recovery settles: the channel is asked whether the
message went out, and only what did not provably go out is sent again (and logged as such).

Deliveries to one chat go in order: one is not claimed while an earlier one to the same target is
waiting or in flight (a 429 holds the whole chat, not just one message). Retry times and claim
leases are wall-clock time; what is due is decided on the service's clock (which tests may fix).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from notifier.channels.base import NO_LINK, Attachment, Channel, ChannelError, Outbound, OutItem, SendResult
from notifier.channels.lease import holder_gone
from notifier.channels.models import SentMessage
from notifier.clock import stamp, stopwatch, wall_time
from notifier.delivery.follow_up import chains_running, first_step, new_delivery
from notifier.delivery.models import Delivery, DeliveryStatus
from notifier.delivery.render import render_digest
from notifier.plans.models import Role
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.digest_view import digest_view
from notifier.schedule.digests import ITEM_KINDS
from notifier.schedule.models import Digest, DigestStatus, Reminder
from notifier.schedule.policy import Policy
from notifier.schedule.scan import units_still_due
from notifier.text import labels
from notifier.units.links import mark_broken, unconfigured_error
from notifier.units.models import Unit

log = logging.getLogger("notifier.delivery")

LEASE = timedelta(minutes=5)
SCAN_WAIT = timedelta(minutes=10)  # the longest a digest waits for due tracks still to reach it
MAX_ATTEMPTS = 8
WORKER = f"{socket.gethostname()}:{os.getpid()}"
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
MAYBE_TWICE = "có thể đã gửi hai lần: một lần gửi trước có thể đã tới"

Targets = Callable[[Session, Unit], Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class DigestContent:
    """What a digest of a kind made above this layer says (the periodic report): the values its
    templates read, and the files that go with it where the channel carries files."""

    values: dict[str, Any]
    attachments: tuple[Attachment, ...] = ()


#: A digest kind's content, made when the digest is sent (given by the wiring: reports sit above).
ContentMaker = Callable[[Session, Digest], DigestContent]


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    message: Outbound
    attempts: int


@dataclass(frozen=True)
class Dispatcher:
    """What sending needs: the database, the channels by name, templates, calendar, backoff."""

    engine: Engine
    channels: dict[str, Channel]
    templates: Path
    calendar: WorkingCalendar
    backoff: tuple[float, ...]  # seconds before each retry (NOTIFIER_RETRY_SECONDS)
    contents: Mapping[str, ContentMaker] = field(default_factory=dict)
    mask_targets: bool = False  # NOTIFIER_LOG_MASK_TARGETS: logs show "-1…42" instead of the chat id


def seal_due_digests(engine: Engine, now: datetime, targets: Targets, policy: Policy) -> int:
    """Close every open digest whose send time has come and write its delivery rows. When the
    policy sets follow-ups, a chased digest goes to its first channel only, and an escalation waits
    while a chain runs for a unit it names."""
    with Session(engine) as session:
        # Escalations last: whether one waits depends on the units' chains that this pass starts.
        query = (
            select(Digest, Unit)
            .where(Digest.status == DigestStatus.OPEN, col(Digest.send_at) <= now, Digest.unit_id == Unit.id)
            .order_by(col(Digest.kind) == "leadership", col(Digest.id))
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Digest, skip_locked=True)
        due = session.exec(query).all()
        sealed, scanning = 0, units_still_due(session, now) if due else set[int]()
        for digest, unit in due:
            if _still_filling(digest, unit, scanning, now):
                continue
            chasing = policy.follow_up.chases and digest.kind == "leadership"
            if chasing and chains_running(session, _subjects(session, digest)):
                continue  # leadership hears after the unit's follow-ups, not beside them
            digest.status = DigestStatus.SEALED
            session.add(digest)
            sealed += 1
            chosen = targets(session, unit)
            for channel, target in first_step(session, policy, digest, unit, chosen, now):
                session.add(new_delivery(digest, channel, target, now))
        session.commit()
        return sealed


def _still_filling(digest: Digest, unit: Unit, scanning: set[int], now: datetime) -> bool:
    """Whether a due track may still add to the digest (with replicas, another may be scanning it):
    a unit's reminders wait for its own tracks, an escalation for any. Never for longer than
    SCAN_WAIT: a track that keeps failing must not hold a unit's morning back."""
    if digest.kind not in ITEM_KINDS or now - digest.send_at >= SCAN_WAIT:
        return False
    return bool(scanning) if digest.kind == "leadership" else (unit.id or 0) in scanning


def _subjects(session: Session, digest: Digest) -> set[int]:
    query = select(Reminder.subject_unit_id).where(Reminder.digest_id == digest.id)
    return {u for u in session.exec(query).all() if u is not None}


def _eligible_query(session: Session) -> object:
    earlier = aliased(Delivery)
    blocked = exists().where(
        and_(
            col(earlier.channel) == col(Delivery.channel),
            col(earlier.target) == col(Delivery.target),
            col(earlier.id) < col(Delivery.id),
            col(earlier.status).in_(WAITING),
        )
    )
    return (
        select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, ~blocked)
        # real time: retry pacing is about the machine, not the plan's calendar
        .where(or_(col(Delivery.next_attempt_at).is_(None), col(Delivery.next_attempt_at) <= wall_time()))
        .order_by(col(Delivery.id))
        .limit(1)
    )


def claim_next(dispatcher: Dispatcher) -> Claimed | None:
    """Take one due delivery for this process; None when there is none left."""
    while True:
        with Session(dispatcher.engine) as session:
            query = _eligible_query(session)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)  # type: ignore[attr-defined]
            delivery_id = session.exec(query).first()  # type: ignore[call-overload]
            if delivery_id is None:
                return None
            taken = session.exec(
                update(Delivery)
                .where(col(Delivery.id) == delivery_id, col(Delivery.status) == DeliveryStatus.PENDING)
                .values(
                    status=DeliveryStatus.SENDING,
                    attempts=col(Delivery.attempts) + 1,
                    claimed_by=WORKER,
                    claimed_until=wall_time() + LEASE,  # real time: a lease
                    updated_at=stamp(),
                    on_wire_at=None,
                )
            )
            if taken.rowcount != 1:
                session.rollback()
                continue  # another process took it first
            claimed = _prepare(session, delivery_id, dispatcher)
            session.commit()
            return claimed


def _prepare(session: Session, delivery_id: int, dispatcher: Dispatcher) -> Claimed:
    delivery = session.get_one(Delivery, delivery_id)
    digest = session.get_one(Digest, delivery.digest_id)
    channel = dispatcher.channels.get(delivery.channel)
    items: tuple[OutItem, ...] = ()
    maker = dispatcher.contents.get(digest.kind)
    content = maker(session, digest) if maker else DigestContent({})
    if digest.kind in ITEM_KINDS:
        view = digest_view(session, digest, dispatcher.calendar)
        items = tuple(OutItem(i.number, i.role == Role.LEAD and i.state != "check_in") for i in view.items)
    context = channel.context(delivery_id, delivery.target, delivery.created_at) if channel is not None else {}
    context |= content.values | {"follow_up": _chased(session, delivery)}
    args = (session, digest, dispatcher.calendar, dispatcher.templates)
    if delivery.body is None and channel is not None:
        # Rendered once and kept: a retry sends the same words, and the log shows what was said.
        delivery.body = render_digest(*args, channel.template_folder, context)
        session.add(delivery)
    extras = {p: render_digest(*args, channel.template_folder, context, p) for p in channel.parts} if channel else {}
    message = Outbound(
        delivery.key, delivery.target, delivery.body or "", delivery_id, items, digest.kind, extras, content.attachments
    )
    return Claimed(delivery_id, delivery.channel, message, delivery.attempts)


def _chased(session: Session, delivery: Delivery) -> str | None:
    """For a follow-up, what went before: «Telegram lúc 08:00 27/11/2026», for the marker line."""
    if not delivery.follow_up:
        return None
    earlier = session.exec(
        select(Delivery)
        .where(Delivery.digest_id == delivery.digest_id, col(Delivery.follow_up) < delivery.follow_up)
        .order_by(col(Delivery.follow_up), col(Delivery.id))
    ).all()
    sent = {(labels.label(labels.CHANNEL, d.channel), labels.vn_time(d.sent_at or d.created_at)) for d in earlier}
    return "; ".join(f"{channel} lúc {when}" for channel, when in sorted(sent, key=lambda s: s[1])) or "kênh khác"


def record_sent(engine: Engine, claimed: Claimed, result: SendResult, now: datetime) -> None:
    with Session(engine) as session:
        delivery = session.get_one(Delivery, claimed.id)
        delivery.status, delivery.provider_message_id, delivery.sent_at = DeliveryStatus.SENT, result.provider_id, now
        delivery.claimed_until, delivery.error, delivery.updated_at = None, None, stamp()
        if delivery.maybe_sent:
            _add_note(delivery, MAYBE_TWICE)  # an earlier attempt may have arrived as well
        if result.target and result.target != delivery.target:
            _add_note(delivery, f"nhóm đã đổi mã {delivery.target} → {result.target}")
            delivery.target = result.target
        session.add(delivery)
        for part, (chat, message_id) in enumerate(result.messages):
            session.add(
                SentMessage(
                    channel=delivery.channel, chat=chat, message_id=message_id, delivery_id=claimed.id, part=part
                )
            )
        session.commit()


def record_failure(dispatcher: Dispatcher, claimed: Claimed, error: ChannelError) -> str:
    with Session(dispatcher.engine) as session:
        delivery = session.get_one(Delivery, claimed.id)
        delivery.error, delivery.claimed_until, delivery.updated_at = str(error), None, stamp()
        if error.uncertain:
            # It may have arrived: never sent again without a person deciding.
            delivery.status = DeliveryStatus.UNCERTAIN
            delivery.maybe_sent += 1
        elif error.retry_after is not None and not error.permanent:
            # A 429 is the provider pacing us, not a failed attempt: wait as asked, then go on.
            delivery.attempts = max(delivery.attempts - 1, 0)
            delivery.status = DeliveryStatus.PENDING
            # real time: retry pacing
            delivery.next_attempt_at = wall_time() + timedelta(seconds=error.retry_after)
        elif error.permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            if error.permanent and error.breaks_link:
                mark_broken(session, delivery.channel, delivery.target, str(error))
        else:
            backoff = dispatcher.backoff
            wait = error.retry_after or backoff[min(delivery.attempts, len(backoff)) - 1]
            # real time: retry pacing
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, wall_time() + timedelta(seconds=wait)
        session.add(delivery)
        session.commit()
        return delivery.status


async def deliver_due(dispatcher: Dispatcher, now: datetime, stop: asyncio.Event | None = None) -> int:
    """Send every due delivery; channels that allow it send several at once. Stops between sends."""
    workers = max((channel.concurrency for channel in dispatcher.channels.values()), default=1)
    counts = await asyncio.gather(*(_worker(dispatcher, now, stop) for _ in range(workers)))
    return sum(counts)


async def _worker(dispatcher: Dispatcher, now: datetime, stop: asyncio.Event | None) -> int:
    sent = 0
    while stop is None or not stop.is_set():
        claimed = await asyncio.to_thread(claim_next, dispatcher)
        if claimed is None:
            return sent
        sent += await _send(dispatcher, claimed, now)
    return sent


def _no_crash(point: str) -> None:
    """Nothing happens at a named point of a send in service; see ``crash_point``."""


#: Called at named points of a send ("after_claim", "after_send"): a no-op in service. The crash
#: tests run the service through ``tests/kill_points.py``, which sets it to die there by SIGKILL.
crash_point: Callable[[str], None] = _no_crash


async def _send(dispatcher: Dispatcher, claimed: Claimed, now: datetime) -> int:
    started = stopwatch()
    crash_point("after_claim")
    channel = dispatcher.channels.get(claimed.channel)
    left = False  # whether a request may have reached the provider

    async def on_wire() -> None:
        nonlocal left
        await asyncio.to_thread(_mark_on_wire, dispatcher.engine, claimed.id)
        left = True

    try:
        if claimed.channel == NO_LINK:
            raise ChannelError("đơn vị chưa liên kết kênh nhận tin nào (notifier units link-code)", permanent=True)
        if channel is None:
            raise ChannelError(unconfigured_error(claimed.channel), permanent=True, breaks_link=False)
        result = await channel.send(claimed.message, on_wire)
        crash_point("after_send")
    except ChannelError as exc:
        outcome = await asyncio.to_thread(record_failure, dispatcher, claimed, exc)
        _log(dispatcher, claimed, started, f"{outcome}: {exc}")
        return 0
    except Exception as exc:  # a bug or an unexpected library error must not stop the loop
        # After the request left, any failure (an answer we cannot read) may hide a message that
        # arrived: it is settled as uncertain, never retried as if nothing went out.
        error = ChannelError(f"lỗi không lường trước sau khi gửi: {exc!r}" if left else repr(exc), uncertain=left)
        outcome = await asyncio.to_thread(record_failure, dispatcher, claimed, error)
        log.exception("delivery %s: unexpected error", claimed.id)
        _log(dispatcher, claimed, started, f"{outcome}: {exc!r}")
        return 0
    await asyncio.to_thread(record_sent, dispatcher.engine, claimed, result, now)
    _log(dispatcher, claimed, started, "sent")
    return 1


def _add_note(delivery: Delivery, note: str) -> None:
    """Notes accumulate: each attempt's story stays in the log, later ones never erase it."""
    delivery.note = f"{delivery.note}; {note}" if delivery.note else note


def _mark_on_wire(engine: Engine, delivery_id: int) -> None:
    with Session(engine) as session:
        session.exec(update(Delivery).where(col(Delivery.id) == delivery_id).values(on_wire_at=stamp()))
        session.commit()


def _log(dispatcher: Dispatcher, claimed: Claimed, started: float, outcome: str) -> None:
    target = claimed.message.target
    masked = f"{target[:2]}…{target[-2:]}" if dispatcher.mask_targets and len(target) > 4 else target
    log.info(
        "delivery %s channel=%s target=%s attempt=%d %.0fms %s",
        claimed.id,
        claimed.channel,
        masked,
        claimed.attempts,
        (stopwatch() - started) * 1000,
        outcome,
    )


def _interrupted(engine: Engine) -> list[Delivery]:
    """``sending`` rows whose process is gone: its claim ran out, or it was this host's and is dead."""
    with Session(engine) as session:
        rows = session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.SENDING)).all()
        return [d for d in rows if _abandoned(d)]


def _abandoned(delivery: Delivery) -> bool:
    if delivery.claimed_until is not None and delivery.claimed_until < wall_time():  # real time: a lease
        return True
    return holder_gone(delivery.claimed_by)


async def recover_interrupted(engine: Engine, channels: dict[str, Channel], now: datetime) -> int:
    """Settle sends a crash interrupted. Returns how many were settled."""
    settled = 0
    for delivery in await asyncio.to_thread(_interrupted, engine):
        message = Outbound(delivery.key, delivery.target, delivery.body or "", delivery.id or 0)
        channel = channels.get(delivery.channel)
        went_out = await channel.confirm(message) if channel is not None else None
        await asyncio.to_thread(_settle, engine, delivery.id or 0, went_out, channel, now)
        settled += 1
    return settled


def _settle(engine: Engine, delivery_id: int, went_out: bool | None, channel: Channel | None, now: datetime) -> None:
    with Session(engine) as session:
        # Locked and judged again: another replica may have settled it, and another claimed it
        # since, while this one asked the channel; a live claim is never settled.
        delivery = session.get_one(Delivery, delivery_id, with_for_update=True)
        if delivery.status != DeliveryStatus.SENDING or not _abandoned(delivery):
            return
        if went_out is None and delivery.on_wire_at is None:
            went_out = False  # it stopped before the request left: certainly not sent
        if went_out:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
            _add_note(delivery, "gửi bị gián đoạn; kênh xác nhận đã gửi")
            if delivery.maybe_sent:
                _add_note(delivery, MAYBE_TWICE)
        elif went_out is None and channel is not None and not channel.resend_when_unsure:
            delivery.status, delivery.maybe_sent = DeliveryStatus.UNCERTAIN, delivery.maybe_sent + 1
            _add_note(delivery, "gửi bị gián đoạn; không biết đã tới chưa: chờ văn phòng quyết định gửi lại")
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, None
            if went_out is None:
                delivery.maybe_sent += 1  # this attempt may have arrived: the resend may repeat it
            _add_note(
                delivery,
                "gửi bị gián đoạn; kênh xác nhận chưa gửi: gửi lại"
                if went_out is False
                else "gửi bị gián đoạn; không biết đã tới chưa: gửi lại, có thể trùng",
            )
        delivery.claimed_until, delivery.updated_at = None, stamp()
        session.add(delivery)
        session.commit()
        log.warning("delivery %s interrupted earlier: %s", delivery_id, delivery.note)
