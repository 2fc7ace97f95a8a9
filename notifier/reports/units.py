"""Units as the command line shows them (the ``notifier units --json`` contract)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from notifier.text.folding import literal_fold
from notifier.units.directory import Directory
from notifier.units.links import LinkRecord, links_by_unit
from notifier.units.models import GroupMember, Unit, UnitAlias


@dataclass(frozen=True)
class UnitRecord:
    id: int
    name: str
    kind: str
    head: str | None
    is_group: bool
    aliases: list[str]
    groups: list[str]
    source: str  # "config": units.yaml; "office": added with units add / import --add-units
    members: list[str] | None  # a group's units; None for a unit
    links: list[LinkRecord]

    def json(self) -> dict[str, Any]:
        """The `notifier units --json` row (``members`` only for a group; no database id)."""
        row: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "head": self.head,
            "is_group": self.is_group,
            "aliases": self.aliases,
            "groups": self.groups,
            "source": self.source,
        }
        if self.members is not None:
            row["members"] = self.members
        return row | {"links": [link.json() for link in self.links]}


def unit_records(session: Session, directory: Directory, configured: frozenset[str]) -> list[UnitRecord]:
    units = session.exec(select(Unit).where(col(Unit.active).is_(True)).order_by(col(Unit.id))).all()
    by_id = {u.id: u for u in units}
    groups_of: dict[int, list[str]] = defaultdict(list)
    members_of: dict[int, list[str]] = defaultdict(list)
    for m in session.exec(select(GroupMember).order_by(col(GroupMember.id))).all():
        if m.group_id in by_id and m.unit_id in by_id:
            groups_of[m.unit_id].append(by_id[m.group_id].name)
            members_of[m.group_id].append(by_id[m.unit_id].name)
    operator = defaultdict(list)
    for alias in session.exec(select(UnitAlias).order_by(col(UnitAlias.id))).all():
        operator[alias.unit_id].append(alias.written)
    links = links_by_unit(session, configured)
    return [_record(u, directory, groups_of, members_of, operator, links.get(u.id or 0, [])) for u in units]


def _record(
    unit: Unit,
    directory: Directory,
    groups_of: dict[int, list[str]],
    members_of: dict[int, list[str]],
    operator: dict[int, list[str]],
    links: list[LinkRecord],
) -> UnitRecord:
    entry = directory.groups.get(unit.name) if unit.is_group else directory.units.get(unit.name)
    uid = unit.id or 0
    taken = {literal_fold(written) for other, names in operator.items() if other != uid for written in names}
    # A name the office assigned to another unit is that unit's alone.
    config_aliases = [a for a in (entry.aliases if entry else ()) if literal_fold(a) not in taken]
    return UnitRecord(
        id=uid,
        name=unit.name,
        kind=unit.kind,
        head=unit.head or None,
        is_group=unit.is_group,
        aliases=config_aliases + operator.get(uid, []),
        groups=groups_of.get(uid, []),
        source=unit.source,
        members=members_of.get(uid, []) if unit.is_group else None,
        links=links,
    )
