"""What the web pages need, gathered once: the database, settings, policy, clock, the signed
acknowledgement links and, for the office's pages, their sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from notifier.actions.base import Office
from notifier.channels.signed_links import AckLinks
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy import Policy
from notifier.settings import Settings
from notifier.web.auth import Sessions


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    settings: Settings
    policy: Policy
    clock: Callable[[], datetime]
    links: AckLinks | None = None
    sessions: Sessions | None = None  # None: only the acknowledgement page is served
    secure: bool = False  # cookies only over HTTPS, when the public address is https

    @property
    def calendar(self) -> WorkingCalendar:
        return self.policy.calendar

    @property
    def templates(self) -> Path:
        return self.settings.templates_dir

    @property
    def office(self) -> Office:
        """The context of an action taken through the pages by nobody in particular (an
        acknowledgement link); the office's own pages act as their visitor."""
        return Office(self.engine, self.settings, self.policy, self.clock)
