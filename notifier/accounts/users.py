"""Accounts: adding one, a new password, disabling; passwords kept as scrypt hashes. Changing any
of them ends the account's open sessions (its ``session_epoch`` moves on)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import unicodedata

from sqlmodel import Session, col, select

from notifier.accounts.models import User
from notifier.errors import InputError

ROLES = ("admin", "viewer")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt)}${b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    computed = hashlib.scrypt(password.encode(), salt=_unb64(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(computed, _unb64(digest))


def b64(data: bytes) -> str:
    """URL-safe base64 without padding, for the password hashes."""
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
