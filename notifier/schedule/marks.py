"""Jobs that run once per period across every process sharing the database (the weekly summary,
the daily track sync): the period is claimed in the transaction that does the job, so a process
that dies half-way leaves it unclaimed for the next one, and two replicas never both do it. Also
plain marks (the policy every track was last planned under)."""

from __future__ import annotations

import enum
import operator
import zlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from notifier.schedule.models import ScheduleMark


class Claim(enum.Enum):
    CLAIMED = "claimed"  # this process does the job now; the mark commits with it
    DONE = "done"  # the period's job is done already
    BUSY = "busy"  # another process is doing it at this moment: ask again later


def claim_period(
    session: Session,
    name: str,
    period: str,
    at: datetime,
    *,
    supersedes: Callable[[str, str], bool] = operator.gt,
) -> Claim:
    """Inside the job's transaction, whether this process is to do the job for ``period``.
    ``supersedes(new, old)`` says whether ``period`` replaces the mark (a later week; another day)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held to the end of the transaction; a busy lock means another replica is at it right now.
        key = zlib.crc32(name.encode())
        got = session.exec(text("SELECT pg_try_advisory_xact_lock(:key)").bindparams(key=key)).one()  # type: ignore[call-overload]
        if not got[0]:
            return Claim.BUSY
    mark = session.exec(select(ScheduleMark).where(ScheduleMark.name == name)).first()
    if mark is not None and not supersedes(period, mark.period):
        return Claim.DONE
    mark = mark or ScheduleMark(name=name, period=period)
    mark.period, mark.at = period, at
    session.add(mark)  # no race for the first mark: the advisory lock (SQLite: its write lock) is held
    return Claim.CLAIMED


def mark_of(session: Session, name: str) -> str | None:
    """The period last marked for ``name`` (None: never)."""
    return session.exec(select(ScheduleMark.period).where(ScheduleMark.name == name)).first()


def set_mark(session: Session, name: str, period: str, at: datetime) -> None:
    """Mark ``name`` with ``period`` in the session's transaction; two writers of the first mark
    never clash (an upsert, where a read-then-insert could fail the second one)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = {"period": period, "at": at}
    statement = insert(ScheduleMark).values(name=name, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=values))
