"""What every chat channel's inbound side needs: the service's core (the runtime's ``Office``:
database, settings, policy, clock), the directory of units, and the name this process holds
polling leases under."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from notifier.actions.base import Office, OfficeView
from notifier.clock import stopwatch
from notifier.units.directory import Directory


@dataclass(frozen=True)
class InboundContext(OfficeView):
    office: Office  # the actions a chat takes are the service's own (they act as nobody)
    directory: Callable[[], Directory]
    holder: str


MIN_POLL_SECONDS = 1.0  # a server that answers at once with nothing is asked again no sooner than this


async def pace(stop: asyncio.Event, started: float) -> None:
    """Wait out the rest of MIN_POLL_SECONDS since ``started`` (a stopwatch reading), or until stop."""
    left = MIN_POLL_SECONDS - (stopwatch() - started)
    if left > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=left)
