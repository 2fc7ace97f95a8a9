"""A digest's deliveries per channel target, acknowledgements, and the daemon's heartbeat."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    FAILED = "failed"  # a permanent error
    UNCERTAIN = "uncertain"  # it may have arrived: never sent again without a person deciding


class Delivery(SQLModel, table=True):
    """A digest to one channel target. Written before the send, updated after.

    status: pending → sending (claimed) → sent | failed (permanent) | pending again with
    ``next_attempt_at`` (transient). A ``sending`` row whose claim has run out was
    interrupted: recovery asks the channel whether it went out.
    """

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    channel: str = Field(max_length=20)
    target: str = Field(max_length=200)
    status: str = Field(default=DeliveryStatus.PENDING, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    claimed_by: str | None = Field(default=None, max_length=100)
    # 0: the digest's first send; N: the Nth follow-up on another channel (nobody acknowledged).
    follow_up: int = 0
    # How many acknowledgements of the digest the sent message shows (Telegram edits it to show more).
    acks_shown: int = 0
    # Earlier attempts that may have reached the chat (a crash or an unreadable answer after the
    # request left): kept across later claims, so a resend that follows says it may repeat.
    maybe_sent: int = 0
    # Set just before the first request of an attempt leaves: after a crash, None means "never sent".
    on_wire_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    provider_message_id: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, sa_column=Column(Text))
    # What happened besides errors: an interrupted send and how it was settled.
    note: str | None = Field(default=None, sa_column=Column(Text))
    body: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class Ack(SQLModel, table=True):
    __tablename__ = "ack"

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id")
    task_id: int | None = Field(default=None, foreign_key="task.id")
    by: str = Field(max_length=200)
    by_id: str | None = Field(default=None, max_length=100)
    by_username: str | None = Field(default=None, max_length=100)
    channel: str = Field(max_length=20)
    action: str = Field(max_length=20)  # received, done, snooze, comment
    # The provider's id of the press or message (a callback query id): the same one is recorded once.
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    text: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class Heartbeat(SQLModel, table=True):
    __tablename__ = "heartbeat"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    pid: int
    host: str = Field(max_length=200)
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    beat_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # A part of the service that is not working though the rest goes on (the web port taken…).
    problem: str | None = Field(default=None, sa_column=Column(Text))
    tick_seconds: float | None = None  # how long the last tick (sync, scan, sends) took
