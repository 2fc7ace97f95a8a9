"""Keep the unit rows in step with ``units.yaml`` and resolve names written in tasks."""

from __future__ import annotations

from sqlmodel import Session, col, select

from notifier.clock import stamp
from notifier.errors import InputError
from notifier.text.folding import clean_spaces, fold, literal_fold, nfc
from notifier.units.directory import Directory
from notifier.units.matcher import UnitMatcher
from notifier.units.models import UNIT_FROM_CONFIG, UNIT_FROM_OFFICE, GroupMember, Unit, UnitAlias

GROUP_KIND = "nhóm"
OFFICE_KIND = "đơn vị"


def sync_directory(session: Session, directory: Directory) -> dict[str, Unit]:
    """Upsert every unit and group, deactivate dropped ones, rebuild group membership."""
    existing = {u.name: u for u in session.exec(select(Unit)).all()}
    entries = [(u.name, u.kind, u.head, False) for u in directory.units.values()]
    entries += [(g.name, GROUP_KIND, "", True) for g in directory.groups.values()]
    for name, kind, head, is_group in entries:
        unit = existing.get(name) or Unit(name=name, kind=kind)
        wanted = (kind, head, is_group, True, UNIT_FROM_CONFIG)
        if (unit.kind, unit.head, unit.is_group, unit.active, unit.source) != wanted or unit.id is None:
            # A unit the office added and units.yaml now lists is the file's from here on.
            unit.kind, unit.head, unit.is_group, unit.active, unit.source = wanted
            unit.updated_at = stamp()
            session.add(unit)
        existing[name] = unit
    listed = {name for name, *_ in entries}
    for name, unit in existing.items():
        if name not in listed and unit.active and unit.source == UNIT_FROM_CONFIG:
            unit.active, unit.updated_at = False, stamp()
            session.add(unit)
    session.flush()
    _sync_groups(session, directory, existing)
    return existing


def _sync_groups(session: Session, directory: Directory, units: dict[str, Unit]) -> None:
    current = {(m.group_id, m.unit_id): m for m in session.exec(select(GroupMember)).all()}
    wanted: set[tuple[int, int]] = set()
    for group in directory.groups:
        group_id = _id(units[group])
        wanted |= {(group_id, _id(units[member])) for member in directory.members(group)}
    for pair, member in current.items():
        if pair not in wanted:
            session.delete(member)
    for group_id, unit_id in wanted - current.keys():
        session.add(GroupMember(group_id=group_id, unit_id=unit_id))
    session.flush()


def _id(unit: Unit) -> int:
    if unit.id is None:
        raise RuntimeError(f"unit {unit.name!r} has no id: flush before use")
    return unit.id


def build_matcher(session: Session, directory: Directory) -> UnitMatcher:
    """Names from units.yaml and of the units the office added, and the aliases the office added,
    which win over every other match."""
    rows = session.exec(select(UnitAlias, Unit).where(UnitAlias.unit_id == Unit.id)).all()
    added = session.exec(select(Unit).where(Unit.source == UNIT_FROM_OFFICE, col(Unit.active).is_(True))).all()
    names = directory.names_and_aliases() + [(unit.name, unit.name) for unit in added]
    return UnitMatcher(names, [(alias.written, unit.name) for alias, unit in rows])


def add_unit(session: Session, name: str, kind: str = OFFICE_KIND) -> Unit:
    """A unit the office adds (one units.yaml does not list); refused when the name is already a
    unit's or a group's, so one name never makes two units."""
    name = clean_spaces(nfc(name)).strip(" ,.;:")
    if not fold(name):
        raise InputError("tên đơn vị không được để trống")
    if len(name) > 300:
        raise InputError(f"tên đơn vị quá dài ({len(name)} ký tự, tối đa 300)")
    same = next((u for u in session.exec(select(Unit)).all() if fold(u.name) == fold(name)), None)
    if same is not None and same.active:
        raise InputError(f"đã có {'nhóm' if same.is_group else 'đơn vị'} «{same.name}»")
    unit = same or Unit(name=name, kind=kind)
    unit.kind, unit.active, unit.source, unit.updated_at = kind or OFFICE_KIND, True, UNIT_FROM_OFFICE, stamp()
    session.add(unit)
    session.flush()
    return unit


def add_alias(session: Session, written: str, canonical: str) -> Unit:
    """Record that ``written`` means the unit or group ``canonical`` (matched ignoring case and marks)."""
    units = session.exec(select(Unit).where(col(Unit.active).is_(True))).all()
    target = next((u for u in units if fold(u.name) == fold(canonical)), None)
    if target is None:
        names = ", ".join(f"«{u.name}»" for u in units if not u.is_group)
        raise InputError(f"không có đơn vị hay nhóm «{canonical}». Các đơn vị: {names}")
    folded = fold(written)
    if not folded:
        raise InputError("tên trong văn bản không được để trống")
    literal = literal_fold(written)
    same = [a for a in session.exec(select(UnitAlias)).all() if literal_fold(a.written) == literal]
    same = same or list(session.exec(select(UnitAlias).where(UnitAlias.folded == folded)).all())
    alias = same[0] if same else UnitAlias(unit_id=_id(target), written=written, folded=folded, source="operator")
    alias.unit_id, alias.written = _id(target), written
    session.add(alias)
    session.flush()
    return target
