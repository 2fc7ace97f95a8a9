"""One visit to an office page, as the page sees it: who, which page, what the form said.

The guard (``OfficePages.guard``) reads the session, the form and its CSRF token on the event
loop (Starlette reads a request body only there), then hands the page a ``Visit`` and runs it in a
worker thread: the pages are plain functions that may use the database as long as they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from notifier.accounts.models import User
from notifier.web.auth import SessionClaim


class Visitor:
    def __init__(self, claim: SessionClaim, user: User, csrf: str) -> None:
        self.claim, self.user, self.csrf = claim, user, csrf

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"


@dataclass(frozen=True)
class Visit:
    visitor: Visitor
    method: str = "GET"
    path: Mapping[str, Any] = field(default_factory=dict)  # the route's parameters (key, unit_id…)
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str | UploadFile] = field(default_factory=dict)  # a POST's fields

    def text(self, name: str) -> str:
        """A form field as text ("" when absent or a file)."""
        value = self.form.get(name)
        return value if isinstance(value, str) else ""

    def upload(self, name: str) -> UploadFile | None:
        value = self.form.get(name)
        return value if isinstance(value, UploadFile) else None

    def choice(self, name: str) -> str | None:
        """A query parameter such as the plan chooser's; None when not chosen."""
        return self.query.get(name) or None


Page = Callable[[Visit], Response]
