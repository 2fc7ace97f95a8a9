"""The office's accounts: added (or given a new role and password), disabled, a new password."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.accounts import users
from notifier.actions.audit import audit
from notifier.actions.base import Office, change


@dataclass(frozen=True)
class Account:
    username: str
    role: str


def add_user(office: Office, username: str, role: str, password: str) -> Account:
    """An account, or an existing one's new password and role; its open sessions end."""
    with change(office, tracks=False) as session:
        user = users.add_user(session, username, role, password)
        audit(session, office.by, "user", f"{user.username} ({user.role})", office.clock())
    return Account(user.username, user.role)


def disable_user(office: Office, username: str) -> Account:
    """The account can no longer log in; its open sessions end."""
    with change(office, tracks=False) as session:
        user = users.disable_user(session, username)
        audit(session, office.by, "disable_user", user.username, office.clock())
    return Account(user.username, user.role)


def set_password(office: Office, username: str, password: str) -> Account:
    """A new password; the role is kept and the open sessions end."""
    with change(office, tracks=False) as session:
        user = users.set_password(session, username, password)
        audit(session, office.by, "password", user.username, office.clock())
    return Account(user.username, user.role)
