"""What an operator watches across replicas, read from the database (the truth whichever replica
answers): deliveries by channel, the oldest one still waiting, retries, and who holds the leases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from notifier.channels.models import Lease
from notifier.delivery.dispatch import WAITING
from notifier.delivery.models import Delivery, DeliveryStatus


@dataclass(frozen=True)
class LeaseHeld:
    name: str  # "poll:telegram"
    holder: str  # "host:pid"
    expires_at: datetime


@dataclass(frozen=True)
class Operations:
    by_channel: dict[tuple[str, str], int]  # (channel, status) -> deliveries
    oldest_waiting_at: datetime | None  # the oldest pending or in-flight delivery's creation
    retrying: int  # pending deliveries waiting for a retry time (a failure or a 429)
    leases: list[LeaseHeld]


def operations(engine: Engine) -> Operations:
    with Session(engine) as session:
        counts = session.exec(
            select(Delivery.channel, Delivery.status, func.count()).group_by(
                col(Delivery.channel), col(Delivery.status)
            )
        ).all()
        oldest = session.exec(
            select(Delivery.created_at)
            .where(col(Delivery.status).in_(WAITING))
            .order_by(col(Delivery.created_at))
            .limit(1)
        ).first()
        retrying = session.exec(
            select(func.count(col(Delivery.id))).where(
                Delivery.status == DeliveryStatus.PENDING, col(Delivery.next_attempt_at).is_not(None)
            )
        ).one()
        leases = [LeaseHeld(x.name, x.holder, x.expires_at) for x in session.exec(select(Lease)).all()]
    return Operations(
        {(channel, status): n for channel, status, n in counts},
        oldest,
        retrying,
        sorted(leases, key=lambda x: x.name),
    )
