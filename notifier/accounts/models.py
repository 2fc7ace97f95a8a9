"""Office staff who log in to the web pages, what they changed, and failed logins (rate limiting)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    role: str = Field(max_length=20)  # admin or viewer
    password_hash: str = Field(max_length=300)
    disabled: bool = False
    # Bumped on logout, password change and disabling: every session issued before stops working.
    session_epoch: int = 0
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, index=True)
    client: str = Field(max_length=100, index=True)
    at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
