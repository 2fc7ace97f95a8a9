"""The commune's units and groups as the office writes them in ``config/units.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from notifier.errors import InputError
from notifier.text.folding import clean_spaces, fold
from notifier.yamlfile import NULL_IS_EMPTY_LIST, load_model


def _text(value: Any) -> str:
    """A name or a kind: YAML may give a number (a unit called 2), never a list or a table."""
    if value is None:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"cần một chuỗi (nhận «{value}»)")
    return clean_spaces(str(value))


def _named(value: Any) -> str:
    text = _text(value)
    if not text:
        raise ValueError("không được để trống")
    return text


def _texts(values: Any) -> tuple[str, ...]:
    """Names, blanks dropped; nothing means none."""
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"cần danh sách chuỗi (nhận «{values}»)")
    return tuple(clean_spaces(v) for v in values if clean_spaces(v))


Name = Annotated[str, BeforeValidator(_named)]
Text = Annotated[str, BeforeValidator(_text)]
Texts = Annotated[tuple[str, ...], BeforeValidator(_texts)]


class UnitEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: Name
    kind: Name
    head: Text = ""
    aliases: Texts = ()
    # A "✔️ Xong" press from the unit's chat closes the task without the office confirming it.
    accept_done_reports: bool = False
    # Who may press "✔️ Xong" (chat user ids or @usernames); empty: anyone in the unit's chat.
    done_reporters: tuple[str, ...] = ()

    @field_validator("done_reporters", mode="before")
    @classmethod
    def _reporters(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ValueError(f"cần một danh sách (nhận «{value}»)")
        return tuple(str(r).strip() for r in value)


class GroupEntry(BaseModel):
    """A phrase such as "Các phòng chuyên môn, đơn vị liên quan" and who it means.

    Members are named units, every unit of the listed kinds, and other groups.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: Name
    aliases: Texts = ()
    members: Texts = ()
    kinds: Texts = ()
    groups: Texts = ()


class UnitsFile(BaseModel):
    """``units.yaml`` as written: the units, then the groups."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    units: Annotated[list[UnitEntry], NULL_IS_EMPTY_LIST] = Field(default_factory=list)
    groups: Annotated[list[GroupEntry], NULL_IS_EMPTY_LIST] = Field(default_factory=list)


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
    written = load_model(path, UnitsFile, "cần các mục 'units' và 'groups'")
    directory = Directory(
        units={unit.name: unit for unit in written.units}, groups={group.name: group for group in written.groups}
    )
    _check_references(path, directory)
    return directory


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
