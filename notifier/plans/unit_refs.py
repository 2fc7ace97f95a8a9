"""The units a plan's tasks name: pointing the written names at units once the office says who
they are (an alias, a new unit)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from notifier.plans.models import TaskUnit
from notifier.text.folding import literal_fold
from notifier.units.matcher import UnitMatcher
from notifier.units.models import Unit


def resolve_pending(session: Session, matcher: UnitMatcher, units: dict[str, Unit]) -> int:
    """Point unresolved task references at a unit when a name now matches; returns how many."""
    resolved = 0
    for ref in session.exec(select(TaskUnit).where(col(TaskUnit.unit_id).is_(None))).all():
        target = matcher.resolve(ref.written)
        if target is not None and target in units:
            ref.unit_id = units[target].id
            session.add(ref)
            resolved += 1
    session.flush()
    return resolved


def claim_name(session: Session, written: str, target: Unit) -> int:
    """Every stored mention written that way and matched to another unit now points at ``target``
    (one name, one unit); returns how many moved. Unresolved mentions are ``resolve_pending``'s."""
    literal, moved = literal_fold(written), 0
    for ref in session.exec(select(TaskUnit).where(col(TaskUnit.unit_id).is_not(None))).all():
        if literal_fold(ref.written) == literal and ref.unit_id != target.id:
            ref.unit_id = target.id
            session.add(ref)
            moved += 1
    session.flush()
    return moved
