"""Transport state kept in the database: the inbound cursor of each polled channel, send
reservations for rate limits, the poller's lease, and what was sent (where each unit is reached
is the units' business: ``units/models.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from notifier.clock import stamp
from notifier.db.types import UTCDateTime


class InboundCursor(SQLModel, table=True):
    """The next update id to ask a polled channel for: updates before it were handled."""

    __tablename__ = "inbound_cursor"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(unique=True, max_length=20)
    offset: int = 0
    updated_at: datetime = Field(default_factory=stamp, sa_column=Column(UTCDateTime, nullable=False))


class RateReservation(SQLModel, table=True):
    """One planned send under one rate key ("tg:chat:-100…", "tg:bot"): the limiter counts these."""

    __tablename__ = "rate_reservation"
    __table_args__ = (Index("ix_rate_reservation_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Lease(SQLModel, table=True):
    """Who may do a once-per-deployment job (polling a bot token) until when."""

    __tablename__ = "lease"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class SentMessage(SQLModel, table=True):
    """A chat message a delivery became: presses and replies find their delivery through it."""

    __tablename__ = "sent_message"
    __table_args__ = (UniqueConstraint("channel", "chat", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    chat: str = Field(max_length=100)
    message_id: str = Field(max_length=100)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    part: int = 0
