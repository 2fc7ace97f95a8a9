"""Logins for office staff: scrypt password hashes, signed session cookies, CSRF tokens bound to the
session, and rate-limited login attempts (counted in the database, so every process agrees)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlmodel import Session, col, func, select

from notifier.accounts.models import LoginFailure, User
from notifier.accounts.users import check_password, hash_password, normal_username
from notifier.channels.signing import BadSignature, signer

SESSION_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5


@dataclass(frozen=True)
class SessionClaim:
    username: str
    nonce: str
    expires: datetime
    epoch: int = 0


class Sessions:
    """Cookie values ``username|nonce|expiry|epoch|signature`` (signed with NOTIFIER_SECRET_KEY); the
    epoch must match the user's, so logout and a password change revoke sessions on the server. The
    expiry is on the service's clock, in the cookie (not itsdangerous's timestamp, which is the
    machine's time)."""

    def __init__(self, secret: str) -> None:
        self._signer = signer(secret, "notifier-session", sep="|")

    def issue(self, username: str, now: datetime, epoch: int = 0) -> str:
        expires = int((now + SESSION_LIFETIME).timestamp())
        return self._signer.sign(f"{username}|{secrets.token_urlsafe(12)}|{expires}|{epoch}").decode()

    def read(self, cookie: str | None, now: datetime) -> SessionClaim | None:
        if not cookie or cookie.count("|") != 4:
            return None
        try:
            payload = self._signer.unsign(cookie).decode()
        except BadSignature:
            return None
        username, nonce, expires, epoch = payload.split("|")
        moment = datetime.fromtimestamp(int(expires), tz=UTC) if expires.isdigit() else now
        return SessionClaim(username, nonce, moment, int(epoch)) if moment > now and epoch.isdigit() else None

    def csrf(self, claim: SessionClaim) -> str:
        return self._signer.get_signature(f"csrf|{claim.nonce}").decode()

    def csrf_ok(self, claim: SessionClaim, token: str | None) -> bool:
        return bool(token) and self._signer.verify_signature(f"csrf|{claim.nonce}", token or "")


def too_many_failures(session: Session, username: str, client: str, now: datetime) -> bool:
    since = now - FAILURE_WINDOW
    count = session.exec(
        select(func.count(col(LoginFailure.id))).where(
            col(LoginFailure.at) >= since, (LoginFailure.username == username) | (LoginFailure.client == client)
        )
    ).one()
    return count >= MAX_FAILURES


def authenticate(session: Session, username: str, password: str, client: str, now: datetime) -> User | None:
    """The user, or None (and the failure counted). Refused outright while attempts are too many.
    An unknown name costs the same scrypt as a known one, so names cannot be told apart by timing."""
    name = normal_username(username)[:100]
    if too_many_failures(session, name, client, now):
        return None
    user = session.exec(select(User).where(User.username == name)).first()
    good = check_password(password, user.password_hash if user else _dummy_hash())
    if user is None or user.disabled or not good:
        session.add(LoginFailure(username=name, client=client[:100], at=now))
        return None
    return user


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
