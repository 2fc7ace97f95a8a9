"""Units: the directory synced from units.yaml, a name in a plan assigned to a unit, a unit the
office adds (a department of another authority)."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.actions.audit import audit
from notifier.actions.base import Office, change
from notifier.plans.unit_refs import claim_name, resolve_pending
from notifier.units import sync
from notifier.units.directory import load_directory


@dataclass(frozen=True)
class Named:
    """A unit after an alias or an addition, and how many task mentions now point at it."""

    name: str
    kind: str
    mentions_resolved: int


def sync_units(office: Office) -> None:
    """Bring the stored units in line with the units file."""
    with change(office) as session:
        sync.sync_directory(session, load_directory(office.settings.units_file))


def alias(office: Office, written: str, canonical: str) -> Named:
    """``written`` (as a plan spells it) means the unit or group ``canonical``, everywhere."""
    directory = load_directory(office.settings.units_file)
    with change(office) as session:
        units = sync.sync_directory(session, directory)
        unit = sync.add_alias(session, written, canonical)
        resolved = claim_name(session, written, unit)
        resolved += resolve_pending(session, sync.build_matcher(session, directory), units)
        audit(session, office.by, "alias", f"{written} → {unit.name}", office.clock())
    return Named(unit.name, unit.kind, resolved)


def add_unit(office: Office, name: str, kind: str, aliases: list[str]) -> Named:
    """A unit the units file does not hold, with the other names plans write for it."""
    directory = load_directory(office.settings.units_file)
    with change(office) as session:
        units = sync.sync_directory(session, directory)
        unit = sync.add_unit(session, name, kind)
        units[unit.name] = unit
        for written in aliases:
            sync.add_alias(session, written, unit.name)
        resolved = sum(claim_name(session, written, unit) for written in aliases)
        resolved += resolve_pending(session, sync.build_matcher(session, directory), units)
        audit(session, office.by, "add_unit", unit.name, office.clock())
    return Named(unit.name, unit.kind, resolved)
