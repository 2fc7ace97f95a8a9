"""What every chat channel's inbound side needs: the database, the policy, the directory, the
templates, the clock, and the name this process holds polling leases under."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

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
