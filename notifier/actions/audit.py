"""Who changed what, when: every action taken from the office's pages leaves an entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class AuditEntry(SQLModel, table=True):
    """Every change made through the web pages: who, what, when."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, index=True)
    action: str = Field(max_length=50)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


def audit(session: Session, username: str | None, action: str, detail: str, now: datetime) -> None:
    """An entry in the action's own transaction; ``username`` None (the command line) leaves none."""
    if username is not None:
        session.add(AuditEntry(username=username, action=action, detail=detail, at=now))
