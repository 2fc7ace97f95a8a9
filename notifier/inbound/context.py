"""What every chat channel's inbound side needs: the database, the policy, the directory, the
templates, the clock, the actions' context, and the name this process holds polling leases under."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from notifier.actions.base import Office
from notifier.clock import stopwatch
from notifier.schedule.policy import Policy
from notifier.units.directory import Directory


@dataclass(frozen=True)
class InboundContext:
    engine: Engine
    policy: Policy
    directory: Callable[[], Directory]
    templates: Path
    clock: Callable[[], datetime]
    holder: str
    office: Office


MIN_POLL_SECONDS = 1.0  # a server that answers at once is asked again no sooner than this


async def pace(stop: asyncio.Event, started: float) -> None:
    """Wait out the rest of MIN_POLL_SECONDS since ``started`` (a stopwatch reading), or until stop."""
    left = MIN_POLL_SECONDS - (stopwatch() - started)
    if left > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=left)
