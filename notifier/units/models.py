"""Units, their aliases, group membership and the chats that reach them, as stored rows.

``config/units.yaml`` is what the office edits; these rows mirror it (synced on
every import and start) so that tasks can point at a stable unit id, and hold
what the operator adds from the command line (``notifier units alias``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime

UNIT_FROM_CONFIG, UNIT_FROM_OFFICE = "config", "office"


class Unit(SQLModel, table=True):
    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=300)
    kind: str = Field(max_length=100)
    head: str = Field(default="", max_length=200)
    is_group: bool = False
    # A unit dropped from units.yaml is kept (tasks and history point at it) but inactive.
    active: bool = True
    # "config": listed in units.yaml; "office": added by the office (`units add`, `import --add-units`),
    # which units.yaml does not list and a sync must not retire.
    source: str = Field(default=UNIT_FROM_CONFIG, max_length=20)
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class UnitAlias(SQLModel, table=True):
    __tablename__ = "unit_alias"

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    written: str = Field(max_length=500)
    folded: str = Field(unique=True, max_length=500)
    # "config" aliases follow units.yaml; "operator" ones were added with `notifier units alias`.
    source: str = Field(default="config", max_length=20)
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class GroupMember(SQLModel, table=True):
    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="unit.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")


class LinkStatus(StrEnum):
    ACTIVE = "active"
    BROKEN = "broken"  # a permanent error (bot removed, chat gone) stopped deliveries to it


class ChannelLink(SQLModel, table=True):
    """A unit reached on a channel: a Telegram or Zalo chat id, or an email address."""

    __tablename__ = "channel_link"
    __table_args__ = (UniqueConstraint("channel", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=300)
    # active, or broken: a permanent error (bot removed, chat gone) stopped deliveries to it.
    status: str = Field(default=LinkStatus.ACTIVE, max_length=20)
    error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class LinkCode(SQLModel, table=True):
    """A short, expiring, single-use code the office gives out to link a chat to a unit."""

    __tablename__ = "link_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=20)
    unit_id: int = Field(foreign_key="unit.id")
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    used_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
