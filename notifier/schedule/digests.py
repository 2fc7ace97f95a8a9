"""Grouping: every item a recipient gets on one day goes into one digest at its send time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from notifier.clock import vietnam_time
from notifier.db.chunks import chunked
from notifier.plans.models import Role
from notifier.schedule.models import Digest, DigestStatus
from notifier.schedule.policy import Policy
from notifier.units.models import Unit


def open_message(session: Session, policy: Policy, unit: Unit, key: str, *, role: str, kind: str, now: datetime) -> int:
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

    def open_all(self, wanted: Iterable[tuple[Unit, str]]) -> None:
        """Find or open at once the digests a batch of items joins: a few statements for the
        batch where each digest on its own took three and a savepoint. If another replica opened
        one of them meanwhile, nothing is kept and ``digest_for`` finds or opens each on its own."""
        slots = {(u.id or 0, kind): (u, self._slot(u)) for u, kind in wanted if (u.id or 0, kind) not in self._open}
        if not slots:
            return
        units, kinds = {unit_id for unit_id, _ in slots}, {kind for _, kind in slots}
        for digest in self.session.exec(
            select(Digest).where(
                col(Digest.unit_id).in_(units), col(Digest.kind).in_(kinds), Digest.status == DigestStatus.OPEN
            )
        ).all():
            key = (digest.unit_id, digest.kind)
            if key in slots and key not in self._open and _day(digest.send_at) == _day(slots[key][1]):
                self._open[key] = digest
        fresh = {key: slot for key, slot in slots.items() if key not in self._open}
        if fresh:
            self._open_fresh(fresh)

    def _open_fresh(self, fresh: dict[tuple[int, str], tuple[Unit, datetime]]) -> None:
        prefixes = {key: f"{key[0]}:{key[1]}:{_day(slot).isoformat()}:" for key, (_, slot) in fresh.items()}
        taken = Counter[str]()
        for chunk in chunked(sorted(prefixes.values()), 200):
            keys = self.session.exec(select(Digest.key).where(or_(*(col(Digest.key).startswith(p) for p in chunk))))
            taken.update(key.rsplit(":", 1)[0] + ":" for key in keys.all())
        digests = [
            Digest(
                key=f"{prefixes[key]}{taken[prefixes[key]] + 1}",
                unit_id=key[0],
                role=_role(key[1]),
                kind=key[1],
                send_at=slot,
            )
            for key, (_, slot) in fresh.items()
        ]
        try:
            with self.session.begin_nested():
                self.session.add_all(digests)
                self.session.flush()
        except IntegrityError:
            return  # another replica opened one first: each is found or opened on its own
        self._open.update({(d.unit_id, d.kind): d for d in digests})

    def digest_for(self, unit: Unit, kind: str) -> Digest:
        key = (unit.id or 0, kind)
        if key not in self._open:
            self._open[key] = self._find_or_open(unit, kind)
        return self._open[key]

    def _slot(self, unit: Unit) -> datetime:
        return self.policy.calendar.send_slot(self.now, self.policy.send_time_for(unit.name))

    def _find_or_open(self, unit: Unit, kind: str) -> Digest:
        slot = self._slot(unit)
        day = vietnam_time(slot).date()
        candidates = self.session.exec(
            select(Digest).where(Digest.unit_id == unit.id, Digest.kind == kind, Digest.status == DigestStatus.OPEN)
        ).all()
        for digest in candidates:
            if vietnam_time(digest.send_at).date() == day:
                return digest
        prefix = f"{unit.id}:{kind}:{day.isoformat()}:"
        taken = self.session.exec(select(func.count(col(Digest.id))).where(col(Digest.key).startswith(prefix))).one()
        digest = Digest(key=f"{prefix}{taken + 1}", unit_id=unit.id or 0, role=_role(kind), kind=kind, send_at=slot)
        try:
            with self.session.begin_nested():
                self.session.add(digest)
                self.session.flush()
        except IntegrityError:  # another replica opened the same digest and committed first: join it
            return self._find_or_open(unit, kind)
        return digest


def _role(kind: str) -> str:
    return {"leadership": Role.LEADERSHIP, "summary": Role.OFFICE}.get(kind, "unit")


def _day(moment: datetime) -> date:
    return vietnam_time(moment).date()
