"""Grouping: every item a recipient gets on one day goes into one digest at its send time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from notifier.clock import vietnam_time
from notifier.plans.models import Role
from notifier.schedule.models import Digest, DigestStatus
from notifier.schedule.policy import Policy
from notifier.units.models import Unit


def open_message(
    session: Session, policy: Policy, unit: Unit, key: str, *, role: str, kind: str, now: datetime
) -> int:
    """A digest that carries one message of its own (a notice, a question to leadership…): sent
    at once in office hours, else at the next opening; its unique key makes it once-only."""
    slot = policy.calendar.send_slot(now, policy.send_time_for(unit.name))
    digest = Digest(key=key, unit_id=unit.id or 0, role=role, kind=kind, send_at=slot)
    session.add(digest)
    session.flush()
    return digest.id or 0


#: Digests whose content is reminder items (buttons, acknowledgements, the weekly count of the
#: unacknowledged); the other kinds (summary, report, notice) say something made for them.
ITEM_KINDS = ("reminder", "leadership")


class DigestBook:
    """Finds or opens the digest an item joins, within one scan transaction."""

    def __init__(self, session: Session, policy: Policy, now: datetime) -> None:
        self.session, self.policy, self.now = session, policy, now
        self._open: dict[tuple[int, str], Digest] = {}

    def forget(self) -> None:
        """Drop cached digests (after a rolled-back savepoint they may not exist)."""
        self._open.clear()

    def digest_for(self, unit: Unit, kind: str) -> Digest:
        key = (unit.id or 0, kind)
        if key not in self._open:
            self._open[key] = self._find_or_open(unit, kind)
        return self._open[key]

    def _find_or_open(self, unit: Unit, kind: str) -> Digest:
        slot = self.policy.calendar.send_slot(self.now, self.policy.send_time_for(unit.name))
        day = vietnam_time(slot).date()
        candidates = self.session.exec(
            select(Digest).where(Digest.unit_id == unit.id, Digest.kind == kind, Digest.status == DigestStatus.OPEN)
        ).all()
        for digest in candidates:
            if vietnam_time(digest.send_at).date() == day:
                return digest
        prefix = f"{unit.id}:{kind}:{day.isoformat()}:"
        taken = self.session.exec(select(func.count(col(Digest.id))).where(col(Digest.key).startswith(prefix))).one()
        role = {"leadership": Role.LEADERSHIP, "summary": Role.OFFICE}.get(kind, "unit")
        digest = Digest(key=f"{prefix}{taken + 1}", unit_id=unit.id or 0, role=role, kind=kind, send_at=slot)
        try:
            with self.session.begin_nested():
                self.session.add(digest)
                self.session.flush()
        except IntegrityError:  # another replica opened the same digest and committed first: join it
            return self._find_or_open(unit, kind)
        return digest
