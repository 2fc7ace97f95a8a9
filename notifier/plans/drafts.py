"""A catalogue row made ready to store: deadline understood, units resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notifier.plans.catalogue import CatalogueTask
from notifier.plans.deadlines import Deadline, DeadlineContext, parse_deadline
from notifier.plans.models import Role
from notifier.text.folding import fold
from notifier.units.matcher import UnitMatcher, UnitRef

ROLES = (Role.LEAD, Role.COORDINATING)


@dataclass
class TaskDraft:
    path: str
    number: str
    parent: str | None
    section: str | None
    section_title: str | None
    title: str
    lead_text: str
    coordinating_text: str
    unit_note: str
    deadline: Deadline
    where: str
    extras: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, tuple[UnitRef, ...]] = field(default_factory=dict)


def make_draft(row: CatalogueTask, matcher: UnitMatcher, context: DeadlineContext) -> TaskDraft:
    lead = matcher.match(row.lead)
    coordinating = matcher.match(row.coordinating)
    notes = [n for n in (lead.note, coordinating.note) if n]
    return TaskDraft(
        path=row.path,
        number=row.number,
        parent=row.parent,
        section=row.section,
        section_title=row.section_title,
        title=row.title,
        lead_text=row.lead,
        coordinating_text=row.coordinating,
        unit_note=" | ".join(notes),
        deadline=parse_deadline(row.deadline, context),
        where=row.where,
        extras=dict(row.extras),
        refs={Role.LEAD: lead.refs, Role.COORDINATING: coordinating.refs},
    )


def unresolved_names(drafts: list[TaskDraft]) -> list[str]:
    """Unit names no known unit matched, each once (its first spelling), in plan order."""
    seen: dict[str, str] = {}
    for draft in drafts:
        for role in ROLES:
            for ref in draft.refs[role]:
                if ref.target is None:
                    seen.setdefault(fold(ref.written), ref.written)
    return list(seen.values())
