"""The commune's units and groups as the office writes them in ``config/units.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notifier.errors import InputError
from notifier.text.folding import clean_spaces, fold
from notifier.yamlfile import load_mapping


@dataclass(frozen=True)
class UnitEntry:
    name: str
    kind: str
    head: str = ""
    aliases: tuple[str, ...] = ()
    # A "✔️ Xong" press from the unit's chat closes the task without the office confirming it.
    accept_done_reports: bool = False
    # Who may press "✔️ Xong" (chat user ids or @usernames); empty: anyone in the unit's chat.
    done_reporters: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupEntry:
    """A phrase such as "Các phòng chuyên môn, đơn vị liên quan" and who it means.

    Members are named units, every unit of the listed kinds, and other groups.
    """

    name: str
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass
class Directory:
    units: dict[str, UnitEntry] = field(default_factory=dict)
    groups: dict[str, GroupEntry] = field(default_factory=dict)

    def members(self, group: str, _seen: frozenset[str] = frozenset()) -> list[str]:
        """Canonical unit names a group stands for, in directory order, without repeats."""
        entry = self.groups[group]
        wanted = set(entry.members)
        kinds = {fold(k) for k in entry.kinds}
        names = [u.name for u in self.units.values() if u.name in wanted or fold(u.kind) in kinds]
        for sub in entry.groups:
            if sub not in _seen:
                names += self.members(sub, _seen | {group})
        return list(dict.fromkeys(names))

    def names_and_aliases(self) -> list[tuple[str, str]]:
        """(written form, canonical name) for every unit and group."""
        entries: list[UnitEntry | GroupEntry] = [*self.units.values(), *self.groups.values()]
        return [(written, e.name) for e in entries for written in (e.name, *e.aliases)]


def load_directory(path: Path) -> Directory:
    """Read and check ``units.yaml``; every problem names the file and the entry."""
    if not path.exists():
        raise InputError(f"{path}: không tìm thấy tệp danh sách đơn vị")
    data = load_mapping(path, "cần các mục 'units' và 'groups'")
    directory = Directory()
    for i, raw in enumerate(_entries(path, data, "units")):
        unit = _unit(path, i, raw)
        directory.units[unit.name] = unit
    for i, raw in enumerate(_entries(path, data, "groups")):
        group = _group(path, i, raw)
        directory.groups[group.name] = group
    _check_references(path, directory)
    return directory


def _entries(path: Path, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise InputError(f"{path}: mục '{key}' phải là một danh sách")
    return items


def _text(path: Path, where: str, raw: dict[str, Any], key: str, required: bool = False) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise InputError(f"{path}: {where}: trường '{key}' phải là chuỗi")
    text = clean_spaces(str(value))
    if required and not text:
        raise InputError(f"{path}: {where}: thiếu trường '{key}'")
    return text


def _texts(path: Path, where: str, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    values = raw.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(f"{path}: {where}: trường '{key}' phải là danh sách chuỗi")
    return tuple(clean_spaces(v) for v in values if clean_spaces(v))


def _unit(path: Path, index: int, raw: dict[str, Any]) -> UnitEntry:
    where = f"units[{index}]"
    reporters = raw.get("done_reporters") or []
    if not isinstance(reporters, list):
        raise InputError(f"{path}: {where}: trường 'done_reporters' phải là danh sách")
    return UnitEntry(
        name=_text(path, where, raw, "name", required=True),
        kind=_text(path, where, raw, "kind", required=True),
        head=_text(path, where, raw, "head"),
        aliases=_texts(path, where, raw, "aliases"),
        accept_done_reports=bool(raw.get("accept_done_reports", False)),
        done_reporters=tuple(str(r).strip() for r in reporters),
    )


def _group(path: Path, index: int, raw: dict[str, Any]) -> GroupEntry:
    where = f"groups[{index}]"
    return GroupEntry(
        name=_text(path, where, raw, "name", required=True),
        aliases=_texts(path, where, raw, "aliases"),
        members=_texts(path, where, raw, "members"),
        kinds=_texts(path, where, raw, "kinds"),
        groups=_texts(path, where, raw, "groups"),
    )


def _check_references(path: Path, directory: Directory) -> None:
    seen: dict[str, str] = {}
    for written, name in directory.names_and_aliases():
        key = fold(written)
        if key in seen and seen[key] != name:
            raise InputError(f"{path}: «{written}» vừa là tên của «{seen[key]}» vừa là tên của «{name}»")
        seen[key] = name
    for group in directory.groups.values():
        for member in group.members:
            if member not in directory.units:
                raise InputError(f"{path}: nhóm «{group.name}»: không có đơn vị «{member}»")
        for sub in group.groups:
            if sub not in directory.groups:
                raise InputError(f"{path}: nhóm «{group.name}»: không có nhóm «{sub}»")
