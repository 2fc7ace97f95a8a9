"""Send limits kept together by every process: a send is taken only when, counted in the
database, every limit it falls under allows one more now.

A turn is recorded at the moment it is granted (never booked in the future), so one chat waiting
for its slot never holds up the others. Granting is one short transaction (SQLite: BEGIN
IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), which is what keeps several processes
within the limits together.

The limits are the provider's documented ones, with no margin of their own: a turn counts from
when its request completed, which is never earlier than the provider saw it. The margin is spent
only after the provider answers 429: the request's one-at-a-time limits (the chat) are held for
the wait it asked, for every process (a hold is the one turn booked in the future), and its shared
limits (the bot, the group) run at half their rate in this process, back to whole over a minute
of calm. Never a storm of 429s, and no slowness paid in advance.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, text, update
from sqlmodel import Session, col, select

from notifier.channels.base import ChannelError
from notifier.channels.models import RateReservation
from notifier.clock import wall_time

_LOCK_ID = 727_001  # an arbitrary constant naming this lock for pg_advisory_xact_lock
_KEEP = timedelta(minutes=5)
_POLL_CAP = 0.5  # seconds: recheck at least this often while waiting
_LEAST_SHARE = 0.125  # a limit slowed by 429s never runs slower than this share of its rate
_RECOVERY = timedelta(minutes=1)  # of calm, to come back from half the rate to the whole


@dataclass(frozen=True)
class Limit:
    key: str
    count: int
    window: timedelta


@dataclass
class Pace:
    """A shared limit's share of its rate after 429s: halved by each, regained with calm."""

    share: float = 1.0
    since: datetime | None = None  # the last 429

    def now(self, at: datetime) -> float:
        if self.since is None:
            return 1.0
        calm = (at - self.since) / _RECOVERY
        return min(1.0, self.share + calm / 2)

    def slowed(self, at: datetime) -> Pace:
        return Pace(max(_LEAST_SHARE, self.now(at) / 2), at)


class RateLimiter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cleaned = wall_time()  # real time: rate-limit turns
        self._paces: dict[str, Pace] = {}

    @asynccontextmanager
    async def turn(self, limits: Sequence[Limit]) -> AsyncIterator[None]:
        """Wait for a turn, make the request inside, and count the turn from when it completed.
        A 429 raised inside (a ChannelError with retry_after) slows the limits down first."""
        taken = await self._wait_turn(limits)
        try:
            yield
        except ChannelError as exc:
            if exc.retry_after is not None and not exc.permanent:
                await asyncio.to_thread(self.slow_down, limits, exc.retry_after)
            raise
        finally:
            await self._finished(taken)

    def slow_down(self, limits: Sequence[Limit], retry_after: float) -> None:
        """The provider asked to wait ``retry_after`` seconds: hold the one-at-a-time limits that
        long for every process, and halve this process's pace on the shared ones."""
        now = wall_time()  # real time: rate-limit turns
        with Session(self.engine) as session:
            for limit in limits:
                if limit.count == 1:  # its next turn comes when this row is a window old
                    hold = now + timedelta(seconds=retry_after) - limit.window
                    session.add(RateReservation(key=limit.key, at=max(hold, now)))
                else:
                    self._paces[limit.key] = self._paces.get(limit.key, Pace()).slowed(now)
            session.commit()

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
            delay = max((self._wait_for(session, self._paced(limit, now), now) for limit in limits), default=0.0)
            rows: list[RateReservation] = []
            if delay <= 0:
                rows = [RateReservation(key=limit.key, at=now) for limit in limits]
                session.add_all(rows)
                self._forget_old(session, now)
                session.flush()
            session.commit()
            return delay, [row.id or 0 for row in rows]

    def _paced(self, limit: Limit, now: datetime) -> Limit:
        """The limit at this process's pace: fewer turns in its window while it recovers from 429s."""
        pace = self._paces.get(limit.key)
        if pace is None:
            return limit
        share = pace.now(now)
        if share >= 1.0:
            del self._paces[limit.key]
            return limit
        return Limit(limit.key, max(1, int(limit.count * share)), limit.window)

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
