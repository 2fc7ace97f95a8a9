"""Logins for office staff: scrypt password hashes, signed session cookies, CSRF tokens bound to the
session, and rate-limited login attempts (counted in the database, so every process agrees)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlmodel import Session, col, func, select

from notifier.errors import InputError
from notifier.web.models import LoginFailure, User

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


def normal_username(username: str) -> str:
    """One form of a name however it is typed: no surrounding spaces (NBSP included), NFC, case folded.
    The login limit counts this form, so " Viewer1" and "viewer1 " share one count."""
    return unicodedata.normalize("NFC", username).strip().casefold()


def add_user(session: Session, username: str, role: str, password: str) -> User:
    """Add an account, or set a new password and role: every session issued before ends."""
    name = normal_username(username)
    if not name or len(name) > 100 or not re.fullmatch(r"[^\s|]+", name):
        raise InputError("tên đăng nhập không hợp lệ: không để trống, không có dấu cách hay «|»")
    if role not in ROLES:
        raise InputError(f"--role: chọn một trong: {', '.join(ROLES)}")
    _check_password(password)
    user = session.exec(select(User).where(User.username == name)).first() or User(
        username=name, role=role, password_hash=""
    )
    user.role, user.password_hash, user.disabled = role, hash_password(password), False
    user.session_epoch += 1 if user.id is not None else 0
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == normal_username(username))).first()
    if user is None:
        raise InputError(f"không có tài khoản «{username}» (xem: notifier users list)")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))).all())


def disable_user(session: Session, username: str) -> User:
    """The account can no longer log in, and every session it holds ends now."""
    user = find_user(session, username)
    user.disabled = True
    user.session_epoch += 1
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """A new password for an existing account (its role and state kept); its sessions end."""
    user = find_user(session, username)
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    session.add(user)
    session.flush()
    return user


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise InputError("mật khẩu cần ít nhất 10 ký tự")


def end_sessions(session: Session, username: str) -> None:
    """Logout: the session cookie, and any copy of it, opens nothing any more."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is not None:
        user.session_epoch += 1
        session.add(user)


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
