"""Logins for office staff: scrypt password hashes, signed session cookies, CSRF tokens bound to the
session, and rate-limited login attempts (counted in the database, so every process agrees)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from notifier.errors import InputError
from notifier.web.models import AuditEntry, LoginFailure, User

ROLES = ("admin", "viewer")
SESSION_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(password.encode(), salt=_unb64(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(computed, _unb64(digest))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def add_user(session: Session, username: str, role: str, password: str) -> User:
    name = username.strip()
    if not name or len(name) > 100:
        raise InputError("tên đăng nhập không hợp lệ")
    if role not in ROLES:
        raise InputError(f"--role: chọn một trong: {', '.join(ROLES)}")
    if len(password) < 10:
        raise InputError("mật khẩu cần ít nhất 10 ký tự")
    user = session.exec(select(User).where(User.username == name)).first() or User(
        username=name, role=role, password_hash=""
    )
    user.role, user.password_hash, user.disabled = role, hash_password(password), False
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class SessionClaim:
    username: str
    nonce: str
    expires: datetime


class Sessions:
    """Cookie values ``username|nonce|expiry|signature`` (HMAC with NOTIFIER_SECRET_KEY)."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(f"notifier-session:{secret}".encode()).digest()

    def issue(self, username: str, now: datetime) -> str:
        expires = int((now + SESSION_LIFETIME).timestamp())
        payload = f"{username}|{secrets.token_urlsafe(12)}|{expires}"
        return f"{payload}|{self._sign(payload)}"

    def read(self, cookie: str | None, now: datetime) -> SessionClaim | None:
        if not cookie or cookie.count("|") != 3:
            return None
        payload, signature = cookie.rsplit("|", 1)
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        username, nonce, expires = payload.split("|")
        moment = datetime.fromtimestamp(int(expires), tz=UTC) if expires.isdigit() else now
        return SessionClaim(username, nonce, moment) if moment > now else None

    def csrf(self, claim: SessionClaim) -> str:
        return self._sign(f"csrf|{claim.nonce}")

    def csrf_ok(self, claim: SessionClaim, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(claim), token or "")

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def too_many_failures(session: Session, username: str, client: str, now: datetime) -> bool:
    since = now - FAILURE_WINDOW
    count = session.exec(
        select(func.count(col(LoginFailure.id))).where(
            col(LoginFailure.at) >= since, (LoginFailure.username == username) | (LoginFailure.client == client)
        )
    ).one()
    return count >= MAX_FAILURES


def authenticate(session: Session, username: str, password: str, client: str, now: datetime) -> User | None:
    """The user, or None (and the failure counted). Refused outright while attempts are too many."""
    if too_many_failures(session, username, client, now):
        return None
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or user.disabled or not check_password(password, user.password_hash):
        session.add(LoginFailure(username=username[:100], client=client[:100], at=now))
        return None
    return user


def audit(session: Session, username: str, action: str, detail: str, now: datetime) -> None:
    session.add(AuditEntry(username=username, action=action, detail=detail, at=now))
