"""A lease in the database: at most one process does a job (polling a bot token) at a time."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from notifier.channels.models import Lease
from notifier.clock import stopwatch, wall_time
from notifier.db.engine import read_only


def take(engine: Engine, name: str, holder: str, duration: timedelta) -> bool:
    """Take or renew the lease; False while another holder's lease runs."""
    now = wall_time()  # real time: a lease expires on the machine's clock
    with Session(engine) as session:
        taken = session.exec(
            sql_update(Lease)
            .where(col(Lease.name) == name)
            .where((col(Lease.holder) == holder) | (col(Lease.expires_at) < now))
            .values(holder=holder, expires_at=now + duration)
        )
        if taken.rowcount == 1:
            session.commit()
            return True
        current = session.exec(select(Lease).where(Lease.name == name)).first()
        if current is not None:
            return _take_from_the_dead(session, current, holder, now + duration)
        session.add(Lease(name=name, holder=holder, expires_at=now + duration))
        try:
            session.commit()
        except IntegrityError:
            return False
        return True


def _take_from_the_dead(session: Session, current: Lease, holder: str, until: datetime) -> bool:
    """A holder that was a process on this machine and is gone (killed, crashed) is not waited
    for until its lease runs out: presses would wait unanswered for that long."""
    if not holder_gone(current.holder):
        return False
    taken = session.exec(
        sql_update(Lease)
        .where(col(Lease.name) == current.name, col(Lease.holder) == current.holder)
        .values(holder=holder, expires_at=until)
    )
    session.commit()
    return taken.rowcount == 1


def holder_gone(holder: str | None) -> bool:
    """Whether a "host:pid" holder (a lease, a claimed delivery) names a process of this machine
    that no longer runs. A process on another machine is never judged from here."""
    host, _, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def holds(engine: Engine, name: str, holder: str) -> bool:
    """Whether ``holder`` has the lease; a read that never waits for another's write lock."""
    with Session(read_only(engine)) as session:
        lease = session.exec(select(Lease).where(Lease.name == name)).first()
        return lease is not None and lease.holder == holder


def release(engine: Engine, name: str, holder: str) -> None:
    with Session(engine) as session:
        lease = session.exec(select(Lease).where(Lease.name == name, Lease.holder == holder)).first()
        if lease is not None:
            session.delete(lease)
            session.commit()


class LeaseKeeper:
    """Holds one lease for a poller, renewing it only when half of it has run out: a poller whose
    server answers at once must not write to the database on every call."""

    def __init__(self, engine: Engine, name: str, duration: timedelta) -> None:
        self.engine, self.name, self.duration = engine, name, duration
        self._renew_at, self._held_by = 0.0, ""

    def take(self, holder: str) -> bool:
        if holder == self._held_by and stopwatch() < self._renew_at:
            return True
        taken = take(self.engine, self.name, holder, self.duration)
        self._renew_at = stopwatch() + self.duration.total_seconds() / 2 if taken else 0.0
        self._held_by = holder if taken else ""
        return taken

    def holds(self, holder: str) -> bool:
        return holds(self.engine, self.name, holder)

    def release(self, holder: str) -> None:
        self._renew_at, self._held_by = 0.0, ""
        release(self.engine, self.name, holder)
