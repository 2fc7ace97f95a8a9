"""Logins for office staff: scrypt password hashes, signed session cookies, CSRF tokens bound to the
session, and rate-limited login attempts (counted in the database, so every process agrees)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlmodel import Session, col, func, select

from notifier.accounts.models import LoginFailure, User
from notifier.accounts.users import b64, check_password, hash_password, normal_username

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
    """Cookie values ``username|nonce|expiry|epoch|signature`` (HMAC with NOTIFIER_SECRET_KEY); the
    epoch must match the user's, so logout and a password change revoke sessions on the server."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(f"notifier-session:{secret}".encode()).digest()

    def issue(self, username: str, now: datetime, epoch: int = 0) -> str:
        expires = int((now + SESSION_LIFETIME).timestamp())
        payload = f"{username}|{secrets.token_urlsafe(12)}|{expires}|{epoch}"
        return f"{payload}|{self._sign(payload)}"

    def read(self, cookie: str | None, now: datetime) -> SessionClaim | None:
        if not cookie or cookie.count("|") != 4:
            return None
        payload, signature = cookie.rsplit("|", 1)
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        username, nonce, expires, epoch = payload.split("|")
        moment = datetime.fromtimestamp(int(expires), tz=UTC) if expires.isdigit() else now
        return SessionClaim(username, nonce, moment, int(epoch)) if moment > now and epoch.isdigit() else None

    def csrf(self, claim: SessionClaim) -> str:
        return self._sign(f"csrf|{claim.nonce}")

    def csrf_ok(self, claim: SessionClaim, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(claim), token or "")

    def _sign(self, payload: str) -> str:
        return b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


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
