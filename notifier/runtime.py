"""What one pass of the service does, and what it needs: settings, database, policy, channels, clock."""

from __future__ import annotations

import asyncio
import logging
import operator
import os
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier.actions.base import Office
from notifier.actions.links import follow_chat
from notifier.channels.base import NO_LINK, Channel
from notifier.channels.callbacks import CallbackSigner
from notifier.channels.console import ConsoleChannel
from notifier.channels.email import EmailChannel, SmtpConfig
from notifier.channels.ratelimit import RateLimiter
from notifier.channels.signed_links import AckLinks
from notifier.channels.telegram import TelegramChannel, make_bot
from notifier.channels.zalo import ZaloChannel, ZaloClient
from notifier.clock import Clock, vietnam_time
from notifier.delivery.dispatch import WORKER, Dispatcher, deliver_due, recover_interrupted, seal_due_digests
from notifier.delivery.follow_up import follow_up_due
from notifier.delivery.models import Heartbeat
from notifier.inbound.context import InboundContext
from notifier.inbound.telegram import TelegramInbound
from notifier.inbound.zalo import ZaloInbound
from notifier.reports.explanations import explanation_content
from notifier.reports.extensions import DecisionMessages, notice_content
from notifier.reports.report_message import ReportMessages
from notifier.schedule.explanations import escalate_unanswered
from notifier.schedule.marks import Claim, claim_period
from notifier.schedule.policy import Policy, load_policy
from notifier.schedule.report_schedule import queue_periodic_report
from notifier.schedule.roll_over import roll_over
from notifier.schedule.scan import scan
from notifier.schedule.summary import queue_weekly_summary
from notifier.settings import Settings, require_secret
from notifier.units.directory import load_directory
from notifier.units.links import active_targets
from notifier.units.models import Unit
from notifier.web.auth import Sessions
from notifier.web.context import WebContext

log = logging.getLogger("notifier")
HOLDER = WORKER  # the same "host:pid" that claims deliveries holds the polling leases


class Inbound(Protocol):
    """What comes back from a chat channel: opened and closed with the runtime, polled."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def poll_once(self, timeout: int = 0) -> int: ...
    async def run(self, stop: asyncio.Event) -> None: ...
    async def refresh(self) -> int: ...


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    policy: Policy
    channels: dict[str, Channel]
    clock: Clock
    inbounds: list[Inbound] = field(default_factory=list)

    @property
    def templates(self) -> Path:
        return self.settings.templates_dir

    @cached_property
    def office(self) -> Office:
        """The service's core, made once and shared by the chats' and the pages' contexts: the
        context of every action the service takes itself (a chat's code, a new chat id)."""
        return Office(self.engine, self.settings, self.policy, self.clock.now)

    @property
    def dispatcher(self) -> Dispatcher:
        reports = ReportMessages(self.settings.public_base_url)
        decisions = DecisionMessages(self.settings.public_base_url)
        return Dispatcher(
            self.engine,
            self.channels,
            self.templates,
            self.policy.calendar,
            self.settings.retry_seconds,
            {"report": reports.content, "notice": notice_content, "decision": decisions.content}
            | {"explain": explanation_content, "explanation": explanation_content},
            mask_targets=self.settings.log_mask_targets,
        )

    def targets(self, session: Session, unit: Unit) -> Sequence[tuple[str, str]]:
        """Where a unit's digests go: its working links, configured or not (a link to a channel
        that is not configured gets a delivery that fails visibly, never the console's "sent").
        The console stands in only for a unit with no link at all while no chat channel is set up;
        with one set up, a unit with no working link gets a delivery row that fails visibly too."""
        links = active_targets(session, unit)
        if links:
            return links
        return [(NO_LINK, "-")] if self.settings.chat_channels else [("console", unit.name)]


def build_runtime(settings: Settings, engine: Engine, clock: Clock) -> Runtime:
    policy = load_policy(settings.policy_file)
    runtime = Runtime(settings, engine, policy, {"console": ConsoleChannel(settings.console_file)}, clock)
    if settings.telegram_token:
        _add_telegram(runtime, settings)
    if settings.smtp_host:
        _add_email(runtime, settings)
    if settings.zalo_token:
        _add_zalo(runtime, settings)
    return runtime


def web_context(runtime: Runtime, *, office: bool = False) -> WebContext | None:
    """The web pages' context: acknowledgement links need PUBLIC_BASE_URL; the office's pages
    (``office``) need NOTIFIER_SECRET_KEY for their sessions."""
    settings = runtime.settings
    links = ack_links(settings)
    sessions = Sessions(require_secret(settings)) if office or settings.secret_key else None
    if links is None and sessions is None:
        return None
    secure = (settings.public_base_url or "").startswith("https://")
    return WebContext(runtime.office, links, sessions, secure)


def ack_links(settings: Settings) -> AckLinks | None:
    if settings.public_base_url is None:
        return None
    return AckLinks(require_secret(settings), settings.public_base_url, timedelta(days=settings.ack_link_days))


def _add_email(runtime: Runtime, settings: Settings) -> None:
    assert settings.smtp_host is not None and settings.mail_from is not None
    config = SmtpConfig(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.smtp_user,
        settings.smtp_password,
        settings.mail_from,
        settings.smtp_ca_file,
    )
    runtime.channels["email"] = EmailChannel(config, ack_links(settings))


def _add_telegram(runtime: Runtime, settings: Settings) -> None:
    assert settings.telegram_token is not None
    signer = CallbackSigner(require_secret(settings))
    office = runtime.office

    async def follow(old: str, new: str) -> None:
        await asyncio.to_thread(follow_chat, office, "telegram", old, new)

    channel = TelegramChannel(
        make_bot(settings.telegram_token, settings.telegram_api_url), signer, RateLimiter(runtime.engine), follow
    )
    runtime.channels[channel.name] = channel
    runtime.inbounds.append(TelegramInbound(_inbound_context(runtime), channel, signer))


def _add_zalo(runtime: Runtime, settings: Settings) -> None:
    assert settings.zalo_token is not None
    channel = ZaloChannel(ZaloClient(settings.zalo_token, settings.zalo_api_url), RateLimiter(runtime.engine))
    runtime.channels[channel.name] = channel
    runtime.inbounds.append(ZaloInbound(_inbound_context(runtime), channel))


def _inbound_context(runtime: Runtime) -> InboundContext:
    units_file = runtime.settings.units_file
    return InboundContext(runtime.office, lambda: load_directory(units_file), HOLDER)


@dataclass(frozen=True)
class PassResult:
    reminders: int
    digests: int
    recovered: int
    sent: int
    inbound: int = 0


def sync_all_tracks(runtime: Runtime, now: datetime) -> None:
    """Every track brought to ``now`` (the roll-over: only what the date changes, when it can)."""
    with Session(runtime.engine) as session:
        roll_over(session, runtime.policy, now)
        session.commit()


DAILY_SYNC = "daily_track_sync"


def daily_sync(runtime: Runtime, now: datetime) -> bool:
    """The daemon's roll-over of every track to the day, once a day across all replicas, and again
    after the policy file changed (a restart with a new policy re-plans at once). False while another
    replica is doing it: the caller asks again on its next tick."""
    period = f"{vietnam_time(now).date().isoformat()} {runtime.policy.fingerprint}"
    with Session(runtime.engine) as session:
        claim = claim_period(session, DAILY_SYNC, period, now, supersedes=operator.ne)
        if claim is Claim.CLAIMED:
            roll_over(session, runtime.policy, now)
            session.commit()
        return claim is not Claim.BUSY


@asynccontextmanager
async def channels_open(runtime: Runtime) -> AsyncIterator[Runtime]:
    """Open the chat channels' connections for the time of a pass or of the daemon's life."""
    for inbound in runtime.inbounds:
        await inbound.start()
    try:
        yield runtime
    finally:
        for inbound in runtime.inbounds:
            await inbound.stop()


async def run_pass(
    runtime: Runtime, now: datetime, stop: asyncio.Event | None = None, *, poll: bool = False
) -> PassResult:
    """One scan and one dispatch at ``now``; with ``poll``, one pass over waiting inbound updates."""
    reminders = await asyncio.to_thread(scan, runtime.engine, runtime.policy, now)
    await asyncio.to_thread(queue_weekly_summary, runtime.engine, runtime.policy, now)
    await asyncio.to_thread(queue_periodic_report, runtime.engine, runtime.policy, now)
    await asyncio.to_thread(escalate_unanswered, runtime.engine, runtime.policy, now)
    recovered = await recover_interrupted(runtime.engine, runtime.channels, now)
    digests = sent = 0
    # Nothing goes out while the office is closed: a service that was down at 08:00 and comes back
    # at night sends the day's digests at the next opening, not in the middle of the night.
    if runtime.policy.calendar.in_office_hours(now):
        await asyncio.to_thread(follow_up_due, runtime.engine, runtime.policy, now, runtime.targets)
        digests = await asyncio.to_thread(seal_due_digests, runtime.engine, now, runtime.targets, runtime.policy)
        sent = await deliver_due(runtime.dispatcher, now, stop)
    handled = sum([await i.poll_once(timeout=0) for i in runtime.inbounds]) if poll else 0
    for channel_inbound in runtime.inbounds:
        await channel_inbound.refresh()  # show acknowledgements given elsewhere, those just handled too
    return PassResult(reminders, digests, recovered, sent, handled)


def beat(
    engine: Engine, started_at: datetime, now: datetime, problem: str | None = None, tick_seconds: float | None = None
) -> None:
    """The daemon is alive at ``now``; ``problem``: a part of it that is not working (the web port…);
    ``tick_seconds``: how long the tick that beats took (kept from the last tick otherwise)."""
    with Session(engine) as session:
        row = session.exec(select(Heartbeat).where(Heartbeat.name == "daemon")).first()
        row = row or Heartbeat(
            name="daemon", pid=os.getpid(), host=socket.gethostname(), started_at=started_at, beat_at=now
        )
        row.pid, row.host, row.started_at, row.beat_at = os.getpid(), socket.gethostname(), started_at, now
        row.problem = problem
        row.tick_seconds = tick_seconds if tick_seconds is not None else row.tick_seconds
        session.add(row)
        session.commit()
