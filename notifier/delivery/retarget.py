"""Deliveries not yet sent follow a chat that changed its id; what was sent keeps its history."""

from __future__ import annotations

from sqlmodel import Session, col, select

from notifier.delivery.models import Delivery, DeliveryStatus


def retarget_waiting(session: Session, channel: str, old: str, new: str) -> int:
    """Point the pending and in-flight deliveries to ``old`` at ``new``; returns how many."""
    waiting = session.exec(
        select(Delivery).where(
            Delivery.channel == channel,
            Delivery.target == old,
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)),
        )
    ).all()
    for delivery in waiting:
        delivery.target = new
        session.add(delivery)
    session.flush()
    return len(waiting)
