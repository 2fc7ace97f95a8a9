"""Send limits kept together by every process: a send is taken only when, counted in the
database, every limit it falls under allows one more now.

A turn is recorded at the moment it is granted (never booked in the future), so one chat waiting
for its slot never holds up the others. Granting is one short transaction (SQLite: BEGIN
IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), which is what keeps several processes
within the limits together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, text, update
from sqlmodel import Session, col, select

from notifier.channels.models import RateReservation
from notifier.clock import wall_time

_LOCK_ID = 727_001  # an arbitrary constant naming this lock for pg_advisory_xact_lock
_KEEP = timedelta(minutes=5)
_POLL_CAP = 0.5  # seconds: recheck at least this often while waiting


@dataclass(frozen=True)
class Limit:
    key: str
    count: int
    window: timedelta


class RateLimiter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cleaned = wall_time()  # real time: rate-limit turns

    @asynccontextmanager
    async def turn(self, limits: Sequence[Limit]) -> AsyncIterator[None]:
        """Wait for a turn, make the request inside, and count the turn from when it completed."""
        taken = await self._wait_turn(limits)
        try:
            yield
        finally:
            await self._finished(taken)

    async def _wait_turn(self, limits: Sequence[Limit]) -> list[int]:
        """Wait until every limit allows a send and take the turn; returns the turn's rows."""
        while True:
            delay, taken = await asyncio.to_thread(self._try_take, limits)
            if delay <= 0:
                return taken
            await asyncio.sleep(min(delay, _POLL_CAP))

    async def _finished(self, taken: Sequence[int]) -> None:
        """Move a turn to the moment its request completed: the provider saw it no later than that,
        so the next turn is counted from there and network delays cannot squeeze two sends together."""
        await asyncio.to_thread(self._restamp, list(taken))

    def _restamp(self, taken: list[int]) -> None:
        with Session(self.engine) as session:
            completed = wall_time()  # real time: rate-limit turns
            session.exec(update(RateReservation).where(col(RateReservation.id).in_(taken)).values(at=completed))
            session.commit()

    def _try_take(self, limits: Sequence[Limit]) -> tuple[float, list[int]]:
        with Session(self.engine) as session:
            if session.get_bind().dialect.name == "postgresql":
                session.exec(text("SELECT pg_advisory_xact_lock(:id)").bindparams(id=_LOCK_ID))  # type: ignore[call-overload]
            now = wall_time()  # real time: rate-limit turns
            delay = max((self._wait_for(session, limit, now) for limit in limits), default=0.0)
            rows: list[RateReservation] = []
            if delay <= 0:
                rows = [RateReservation(key=limit.key, at=now) for limit in limits]
                session.add_all(rows)
                self._forget_old(session, now)
                session.flush()
            session.commit()
            return delay, [row.id or 0 for row in rows]

    @staticmethod
    def _wait_for(session: Session, limit: Limit, now: datetime) -> float:
        since = now - limit.window
        recent = session.exec(
            select(RateReservation.at)
            .where(RateReservation.key == limit.key, col(RateReservation.at) > since)
            .order_by(col(RateReservation.at).desc())
            .limit(limit.count)
        ).all()
        if len(recent) < limit.count:
            return 0.0
        return (recent[-1] + limit.window - now).total_seconds()

    def _forget_old(self, session: Session, now: datetime) -> None:
        if now - self._cleaned < _KEEP:
            return
        session.exec(delete(RateReservation).where(col(RateReservation.at) < now - _KEEP))
        self._cleaned = now
