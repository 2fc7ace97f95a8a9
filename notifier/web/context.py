"""What the web pages need: the service's core (database, settings, policy, clock: the ``Office``
the runtime made once), the signed acknowledgement links and, for the office's pages, their
sessions."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.actions.base import Office, OfficeView
from notifier.channels.signed_links import AckLinks
from notifier.schedule.calendar import WorkingCalendar
from notifier.web.auth import Sessions


@dataclass(frozen=True)
class WebContext(OfficeView):
    # Actions taken through the pages by nobody in particular (an acknowledgement link); the
    # office's own pages act as their visitor (``acting_as``).
    office: Office
    links: AckLinks | None = None
    sessions: Sessions | None = None  # None: only the acknowledgement page is served
    secure: bool = False  # cookies only over HTTPS, when the public address is https

    @property
    def calendar(self) -> WorkingCalendar:
        return self.policy.calendar

    def acting_as(self, username: str) -> Office:
        """The office's pages act as their signed-in visitor (the audit names them)."""
        return self.office.acting_as(username)
