"""Tasks as the command line and scripts see them (the ``notifier tasks --json`` contract)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from notifier.clock import iso_day
from notifier.errors import InputError
from notifier.plans.models import Plan, Role, Task, TaskStatus, TaskUnit
from notifier.schedule.models import Occurrence, RoundStatus
from notifier.units.lookup import find_unit
from notifier.units.models import GroupMember, Unit


@dataclass(frozen=True)
class DeadlineRecord:
    """A task's deadline: the plan's words and what they were understood to mean."""

    text: str
    kind: str  # a DeadlineKind
    start: date | None
    due: date | None
    due_day: int | None
    understood: bool
    set_by_office: bool

    def json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "start": iso_day(self.start),
            "due": iso_day(self.due),
            "due_day": self.due_day,
            "understood": self.understood,
            "set_by_office": self.set_by_office,
        }


@dataclass(frozen=True)
class TaskRecord:
    """One task as scripts and the office see it; ``json()`` is the `notifier tasks --json` row."""

    key: str
    plan: str
    number: str
    parent: str | None
    section: str | None
    section_title: str | None
    title: str
    lead_units: list[str]
    coordinating_units: list[str]
    lead_groups: list[str]
    coordinating_groups: list[str]
    unresolved_units: list[str]
    lead_text: str
    coordinating_text: str
    unit_note: str | None
    deadline: DeadlineRecord
    extras: dict[str, Any]
    status: str  # a TaskStatus, or the RoundStatus of a finished one-off or continuous task
    source: str

    def names(self, unit: str) -> bool:
        """The unit (or group) is named as lead or coordinating."""
        return unit in self.lead_units or unit in self.coordinating_units

    def json(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in self.__dataclass_fields__}
        row["deadline"] = self.deadline.json()
        return row


def task_records(
    session: Session, *, plan_code: str | None = None, unit: str | None = None, include_archived: bool = False
) -> list[TaskRecord]:
    query = select(Task, Plan).where(Task.plan_id == Plan.id)
    if plan_code:
        query = query.where(Plan.code == plan_code)
    if not include_archived:
        query = query.where(Task.status != TaskStatus.ARCHIVED)
    rows = session.exec(query.order_by(col(Plan.code), col(Task.position))).all()
    if plan_code and not rows and session.exec(select(Plan).where(Plan.code == plan_code)).first() is None:
        raise InputError(f"không có kế hoạch mã «{plan_code}»")
    assigned = _assignments(session, [t.id for t, _ in rows if t.id is not None])
    finished = _finished(session, [t.id for t, _ in rows if t.id is not None])
    records = [_record(task, plan, assigned.get(task.id or 0, {}), finished.get(task.id or 0)) for task, plan in rows]
    if unit:
        wanted = _unit_name(session, unit)
        records = [r for r in records if r.names(wanted)]
    return records


def _unit_name(session: Session, written: str) -> str:
    return find_unit(session, written, groups=True).name


def _assignments(session: Session, task_ids: list[int]) -> dict[int, dict[str, list[tuple[TaskUnit, Unit | None]]]]:
    refs = session.exec(
        select(TaskUnit).where(col(TaskUnit.task_id).in_(task_ids)).order_by(col(TaskUnit.position))
    ).all()
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    out: dict[int, dict[str, list[tuple[TaskUnit, Unit | None]]]] = defaultdict(lambda: defaultdict(list))
    for ref in refs:
        out[ref.task_id][ref.role].append((ref, units.get(ref.unit_id)))
    members = _members(session, units)
    return {tid: {role: _expand(items, members) for role, items in roles.items()} for tid, roles in out.items()}


def _members(session: Session, units: dict[int | None, Unit]) -> dict[int, list[Unit]]:
    members: dict[int, list[Unit]] = defaultdict(list)
    for m in session.exec(select(GroupMember).order_by(col(GroupMember.unit_id))).all():
        members[m.group_id].append(units[m.unit_id])
    return members


def _expand(
    items: list[tuple[TaskUnit, Unit | None]], members: dict[int, list[Unit]]
) -> list[tuple[TaskUnit, Unit | None]]:
    """Groups are kept as given; their members follow in ``members`` order for the name lists."""
    out: list[tuple[TaskUnit, Unit | None]] = []
    for ref, unit in items:
        out.append((ref, unit))
        if unit is not None and unit.is_group:
            out += [(ref, member) for member in members.get(unit.id or 0, [])]
    return out


def _finished(session: Session, task_ids: list[int]) -> dict[int, str]:
    """One-off and continuous tasks whose single occurrence is done, or reported done by the unit and
    waiting for the office (a recurring task stays open: each period is its own round)."""
    rows = session.exec(
        select(Occurrence.task_id, Occurrence.status).where(
            col(Occurrence.task_id).in_(task_ids),
            col(Occurrence.period).in_(("once", "continuous")),
            col(Occurrence.status).in_((RoundStatus.DONE, RoundStatus.REPORTED)),
        )
    ).all()
    return dict(rows)


def _record(
    task: Task, plan: Plan, assigned: dict[str, list[tuple[TaskUnit, Unit | None]]], finished: str | None = None
) -> TaskRecord:
    lead = _names(assigned.get(Role.LEAD, []))
    deadline = DeadlineRecord(
        task.deadline_text,
        task.deadline_kind,
        task.window_start,
        task.due,
        task.due_day,
        task.deadline_understood,
        task.due_set_by_office,
    )
    return TaskRecord(
        key=task.key,
        plan=plan.code,
        number=task.number,
        parent=task.parent,
        section=task.section,
        section_title=task.section_title,
        title=task.title,
        lead_units=lead,
        coordinating_units=[n for n in _names(assigned.get(Role.COORDINATING, [])) if n not in lead],
        lead_groups=_groups(assigned.get(Role.LEAD, [])),
        coordinating_groups=_groups(assigned.get(Role.COORDINATING, [])),
        unresolved_units=[
            ref.written for role in (Role.LEAD, Role.COORDINATING) for ref, u in assigned.get(role, []) if u is None
        ],
        lead_text=task.lead_text,
        coordinating_text=task.coordinating_text,
        unit_note=task.unit_note or None,
        deadline=deadline,
        extras=task.extras,
        status=finished if finished and task.status == TaskStatus.OPEN else task.status,
        source=task.source_where,
    )


def _names(items: list[tuple[TaskUnit, Unit | None]]) -> list[str]:
    """Canonical names of real units (groups expanded); unresolved names as written."""
    names = [unit.name if unit else ref.written for ref, unit in items if unit is None or not unit.is_group]
    return list(dict.fromkeys(names))


def _groups(items: list[tuple[TaskUnit, Unit | None]]) -> list[str]:
    return list(dict.fromkeys(unit.name for _, unit in items if unit is not None and unit.is_group))

