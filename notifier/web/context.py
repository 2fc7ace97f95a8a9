"""What the web pages need, gathered once: the database, links, calendar, templates, clock, sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from notifier.channels.signed_links import AckLinks
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy import Policy
from notifier.settings import Settings
from notifier.web.auth import Sessions


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    links: AckLinks | None
    calendar: WorkingCalendar
    templates: Path
    clock: Callable[[], datetime]
    sessions: Sessions | None = None
    policy: Policy | None = None
    secure: bool = False  # cookies only over HTTPS, when the public address is https
    settings: Settings | None = None
