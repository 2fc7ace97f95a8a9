"""What one pass of the service does, and what it needs: settings, database, policy, channels, clock."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier.channels.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.delivery.dispatch import deliver_due, recover_interrupted, seal_due_digests
from notifier.delivery.models import Heartbeat
from notifier.schedule.planner import plan_all
from notifier.schedule.policy import Policy, load_policy
from notifier.schedule.scan import scan
from notifier.schedule.summary import queue_weekly_summary
from notifier.settings import Settings, parse_moment
from notifier.units.models import Unit

log = logging.getLogger("notifier")
Clock = Callable[[], datetime]


def make_clock(settings: Settings, cli_now: str | None) -> Clock:
    """The real clock, or a fixed one from --now (first) or NOTIFIER_NOW, for previews and tests."""
    moment = parse_moment(cli_now, "--now") or settings.fixed_now
    if moment is not None:
        fixed = moment
        return lambda: fixed
    return lambda: datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    policy: Policy
    channels: dict[str, Channel]

    @property
    def templates(self) -> Path:
        return self.settings.templates_dir

    def targets(self, unit: Unit) -> Sequence[tuple[str, str]]:
        """Where a unit's digests go. Until chat and email links exist, the console shows them."""
        return [("console", "stdout")]


def build_runtime(settings: Settings, engine: Engine) -> Runtime:
    console = ConsoleChannel(settings.console_file)
    return Runtime(settings, engine, load_policy(settings.policy_file), {"console": console})


@dataclass(frozen=True)
class PassResult:
    reminders: int
    digests: int
    recovered: int
    sent: int


def plan(runtime: Runtime, now: datetime) -> None:
    with Session(runtime.engine) as session:
        plan_all(session, runtime.policy, now)
        session.commit()


async def run_pass(runtime: Runtime, now: datetime, stop: asyncio.Event | None = None) -> PassResult:
    """One scan and one dispatch at ``now``."""
    reminders = await asyncio.to_thread(scan, runtime.engine, runtime.policy, now)
    await asyncio.to_thread(queue_weekly_summary, runtime.engine, runtime.policy, now)
    digests = await asyncio.to_thread(seal_due_digests, runtime.engine, now, runtime.targets)
    recovered = await recover_interrupted(runtime.engine, runtime.channels, now)
    sent = await deliver_due(runtime.engine, runtime.channels, runtime.templates, runtime.policy.calendar, now, stop)
    return PassResult(reminders, digests, recovered, sent)


def beat(engine: Engine, started_at: datetime, now: datetime) -> None:
    with Session(engine) as session:
        row = session.exec(select(Heartbeat).where(Heartbeat.name == "daemon")).first()
        row = row or Heartbeat(
            name="daemon", pid=os.getpid(), host=socket.gethostname(), started_at=started_at, beat_at=now
        )
        row.pid, row.host, row.started_at, row.beat_at = os.getpid(), socket.gethostname(), started_at, now
        session.add(row)
        session.commit()
