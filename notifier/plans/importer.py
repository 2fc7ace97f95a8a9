"""Import a plan file: read, understand, compare with what is stored, and apply atomically.

Everything that can fail on bad input (reading, finding the catalogue, the
units file) fails before the database is touched. The database work is one
transaction: a failure leaves it exactly as it was, and ``dry_run`` rolls it
back after computing the difference.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from notifier.clock import stamp
from notifier.errors import InputError, NotifierError
from notifier.plans.catalogue import Catalogue, ColumnNames, parse_catalogue
from notifier.plans.deadlines import DeadlineContext
from notifier.plans.drafts import ROLES, TaskDraft, make_draft, unresolved_names
from notifier.plans.identity import match_identities
from notifier.plans.metadata import PlanMetadata, read_metadata
from notifier.plans.models import ImportRun, Plan, Task, TaskStatus, TaskUnit
from notifier.plans.readers import SourceDocument, read_plan
from notifier.plans.readers.limits import SizeLimits
from notifier.plans.report import Change, ImportReport
from notifier.plans.unit_refs import resolve_pending
from notifier.settings import Settings
from notifier.text.folding import fold, strip_marks
from notifier.units.directory import Directory, load_directory
from notifier.units.models import Unit
from notifier.units.suggest import TYPO_LIKENESS, closest
from notifier.units.sync import add_unit, build_matcher, sync_directory

log = logging.getLogger("notifier.import")

_STOPWORDS = {"trien", "khai", "thuc", "hien", "ke", "hoach", "cong", "tac", "nam", "cua", "ve", "va", "cac", "tren"}

# Task fields compared on re-import, with the words the report uses for them.
_COMPARED = {
    "title": "nội dung",
    "number": "số thứ tự",
    "lead_text": "cơ quan chủ trì",
    "coordinating_text": "cơ quan phối hợp",
    "deadline_text": "thời hạn",
    "section_title": "mục",
    "extras": "cột khác",
}


def _read(
    path: Path, year: int | None, named: ColumnNames | None, limits: SizeLimits
) -> tuple[SourceDocument, PlanMetadata, Catalogue]:
    """The file as rows, its metadata and its catalogue. Whatever a broken or hostile file makes a
    parser throw is bad input: a message naming the file, exit 2, nothing changed."""
    try:
        doc = read_plan(path, limits)
        if year is not None:
            doc.hints.year = year
        return doc, read_metadata(doc), parse_catalogue(doc, named)
    except NotifierError:
        raise
    except (ValueError, OverflowError, RecursionError, LookupError, TypeError, UnicodeError) as exc:
        log.warning("reading %s failed", path, exc_info=True)
        raise InputError(f"{path}: không đọc được kế hoạch (tệp hỏng hoặc sai định dạng): {exc}") from None


@dataclass(frozen=True)
class ImportOptions:
    """How to read a plan: ``plan_code`` and ``year`` when the document does not say; ``columns``,
    the office's own header names; ``add_units`` makes every unit name not recognised a unit of
    its own (a misspelling of a known unit excepted); ``confirmed`` allows a re-import that
    archives most of a plan's tasks."""

    plan_code: str | None = None
    year: int | None = None
    columns: ColumnNames | None = None
    add_units: bool = False
    confirmed: bool = False


def import_plan(
    session: Session, settings: Settings, path: Path, options: ImportOptions, *, dry_run: bool = False
) -> ImportReport:
    """Read the document and write its plan into ``session`` (the caller commits, or rolls back a
    dry run)."""
    limits = SizeLimits(settings.plan_max_text_mb * 2**20, settings.plan_max_document_mb * 2**20)
    doc, meta, catalogue = _read(path, options.year, options.columns, limits)
    directory = load_directory(settings.units_file)
    code = options.plan_code or derive_plan_code(meta)
    report = _import(session, settings, directory, meta, catalogue, code, add_units=options.add_units)
    report = replace(report, file=path, file_format=doc.format, dry_run=dry_run)
    if dry_run:
        return report
    if report.confirm_needed and not options.confirmed:
        raise ConfirmationNeeded(f"{path}: {report.confirm_needed}")
    _record_run(session, code, path, doc.format, report)
    return report


class ConfirmationNeeded(InputError):
    """The import would archive most of a plan: likely a partial document, so it waits for a yes."""


# A re-import archiving more than this share of a plan's tasks waits for --yes.
ARCHIVE_SHARE_TO_CONFIRM = 0.5


def derive_plan_code(meta: PlanMetadata) -> str:
    """A short stable code: the plan's number and year, else the decision's, else title words and year."""
    year = f"-{meta.year}" if meta.year else ""
    for number in (meta.number, meta.decision):
        if number:
            return re.sub(r"[^0-9A-Za-z]+", "-", strip_marks(number).upper()).strip("-") + year
    words = [w for w in fold(meta.title).split() if w not in _STOPWORDS and not w.isdigit()]
    return "KH-" + "-".join(words[:2] or ["ke-hoach"]) + year


def _import(
    session: Session,
    settings: Settings,
    directory: Directory,
    meta: PlanMetadata,
    catalogue: Catalogue,
    code: str,
    *,
    add_units: bool,
) -> ImportReport:
    units = sync_directory(session, directory)
    matcher = build_matcher(session, directory)
    resolve_pending(session, matcher, units)
    context = DeadlineContext(meta.year, meta.issued_on, settings.before_means_day_before)
    drafts = [make_draft(row, matcher, context) for row in catalogue.tasks]
    added_units = _add_unresolved_units(session, drafts, units) if add_units else []
    if added_units:
        matcher = build_matcher(session, directory)
        drafts = [make_draft(row, matcher, context) for row in catalogue.tasks]
    plan, is_new = _upsert_plan(session, code, meta)
    report = ImportReport.start(code, meta, is_new, catalogue, drafts, directory)
    report.units_added = added_units
    report.suggestions = _suggestions(report.unresolved, _known_names(units))
    _apply_tasks(session, plan, drafts, units, report)
    report.confirm_needed = _confirm_needed(report)
    return report


def _known_names(units: dict[str, Unit]) -> list[str]:
    return [name for name, unit in units.items() if unit.active]


def _suggestions(unresolved: dict[str, list[str]], known: list[str]) -> dict[str, str]:
    found = {name: closest(name, known) for name in unresolved}
    return {name: best[0] for name, best in found.items() if best is not None}


def _add_unresolved_units(session: Session, drafts: list[TaskDraft], units: dict[str, Unit]) -> list[str]:
    """Every name not recognised becomes a unit, once; a name that reads as a misspelling of a
    known unit does not (it stays in the report with its suggestion, for the office to map)."""
    known, added = _known_names(units), []
    for name in unresolved_names(drafts):
        best = closest(name, known)
        if best is not None and best[1] >= TYPO_LIKENESS:
            continue
        unit = add_unit(session, name)
        units[unit.name] = unit
        known.append(unit.name)
        added.append(unit.name)
    return added


def _confirm_needed(report: ImportReport) -> str | None:
    if report.plan_is_new:
        return None
    before = len(report.changed) + report.unchanged + len(report.archived)
    if before < 4 or len(report.archived) <= ARCHIVE_SHARE_TO_CONFIRM * before:
        return None
    return (
        f"lần nhập này sẽ lưu trữ {len(report.archived)}/{before} nhiệm vụ của kế hoạch {report.plan_code} "
        "(văn bản thiếu trang?); kiểm tra bằng --dry-run rồi nhập lại với --yes nếu đúng là vậy"
    )


def _upsert_plan(session: Session, code: str, meta: PlanMetadata) -> tuple[Plan, bool]:
    plan = session.exec(select(Plan).where(Plan.code == code)).first()
    is_new = plan is None
    plan = plan or Plan(code=code, title=meta.title)
    plan.number, plan.title, plan.issuer = meta.number, meta.title, meta.issuer
    plan.issued_on, plan.year, plan.decision, plan.updated_at = meta.issued_on, meta.year, meta.decision, stamp()
    plan.removed_at = None  # a removed plan imported again is back
    session.add(plan)
    session.flush()
    return plan, is_new


def _apply_tasks(
    session: Session, plan: Plan, drafts: list[TaskDraft], units: dict[str, Unit], report: ImportReport
) -> None:
    stored = list(session.exec(select(Task).where(Task.plan_id == plan.id).order_by(col(Task.position))).all())
    matches = match_identities(stored, drafts)
    refs = _refs_by_task(session, [t.id for t in stored if t.id is not None])
    taken = set(session.exec(select(Task.key)).all())
    created: dict[str, tuple[int, TaskDraft]] = {}
    for position, draft in enumerate(drafts):
        if position in matches:
            task = stored[matches[position]]
            _update_task(session, task, draft, position, _unit_values(task.id or 0, draft, units), refs, report)
        else:
            key = _new_key(plan, draft, taken)
            created[key] = (position, draft)
            report.added.append(key)
    session.flush()
    _insert_new(session, plan, created, units)
    _archive_missing(session, stored, {stored[j].id for j in matches.values()}, report)
    session.flush()


def _archive_missing(session: Session, stored: list[Task], kept: set[int | None], report: ImportReport) -> None:
    for task in stored:
        if task.id not in kept and task.status != TaskStatus.ARCHIVED:
            task.status, task.archived_at, task.updated_at = TaskStatus.ARCHIVED, stamp(), stamp()
            session.add(task)
            report.archived.append(task.key)


def _refs_by_task(session: Session, task_ids: list[int]) -> dict[int, list[TaskUnit]]:
    refs: dict[int, list[TaskUnit]] = {}
    for ref in session.exec(select(TaskUnit).where(col(TaskUnit.task_id).in_(task_ids))).all():
        refs.setdefault(ref.task_id, []).append(ref)
    return refs


def _new_key(plan: Plan, draft: TaskDraft, taken: set[str]) -> str:
    """The new task's identity: its plan and place, made unique ("~2") if a row took it already."""
    key = f"{plan.code}:{draft.path}"
    n = 2
    while key in taken:
        key, n = f"{plan.code}:{draft.path}~{n}", n + 1
    taken.add(key)
    return key


def _insert_new(
    session: Session, plan: Plan, created: dict[str, tuple[int, TaskDraft]], units: dict[str, Unit]
) -> None:
    """New tasks (key → position, draft) and their unit rows in two bulk inserts: building
    thousands of ORM rows costs more than writing them."""
    if not created:
        return
    now = stamp()
    rows = [
        {"key": key, "plan_id": plan.id, "position": position, "status": TaskStatus.OPEN, "archived_at": None}
        | {"created_at": now, "updated_at": now}
        | _draft_fields(draft)
        | _deadline_fields(draft)
        for key, (position, draft) in created.items()
    ]
    session.connection().execute(insert(Task), rows)
    # The ids read back by key: INSERT … RETURNING over thousands of rows is spliced together batch
    # by batch, which costs far more than this one query.
    keyed = session.exec(select(Task.key, Task.id).where(Task.plan_id == plan.id))
    ids: dict[str, int] = {key: task_id for key, task_id in keyed if key in created and task_id is not None}
    values = [v for key, (_, draft) in created.items() for v in _unit_values(ids[key], draft, units)]
    if values:
        session.connection().execute(insert(TaskUnit), values)


def _draft_fields(draft: TaskDraft) -> dict[str, Any]:
    """What a task takes from its catalogue row, the deadline aside."""
    return {
        "number": draft.number,
        "path": draft.path,
        "parent": draft.parent,
        "section": draft.section,
        "section_title": draft.section_title,
        "title": draft.title,
        "lead_text": draft.lead_text,
        "coordinating_text": draft.coordinating_text,
        "unit_note": draft.unit_note,
        "extras": draft.extras,
        "source_where": draft.where,
    }


def _deadline_fields(draft: TaskDraft) -> dict[str, Any]:
    d = draft.deadline
    return {
        "deadline_text": d.text,
        "deadline_kind": d.kind.value,
        "deadline_understood": d.understood,
        "window_start": d.start,
        "due": d.due,
        "due_day": d.due_day,
        "due_set_by_office": False,
    }


def _copy_fields(task: Task, draft: TaskDraft) -> None:
    for name, value in _draft_fields(draft).items():
        setattr(task, name, value)
    if task.due_set_by_office and task.deadline_text == draft.deadline.text:
        return  # the office's date stands while the plan's words are unchanged
    for name, value in _deadline_fields(draft).items():
        setattr(task, name, value)


def _update_task(
    session: Session,
    task: Task,
    draft: TaskDraft,
    position: int,
    wanted: list[dict[str, Any]],
    refs: dict[int, list[TaskUnit]],
    report: ImportReport,
) -> None:
    changed = [label for field, label in _COMPARED.items() if getattr(task, field) != _draft_value(draft, field)]
    if task.status == TaskStatus.ARCHIVED:
        task.status, task.archived_at = TaskStatus.OPEN, None
        report.restored.append(task.key)
    _copy_fields(task, draft)
    task.position, task.updated_at = position, stamp()
    session.add(task)
    current = refs.get(task.id or 0, [])
    if _unit_key(current) != sorted(_UNIT_FIELDS(v) for v in wanted):
        # The unit rows carry no history of their own: replacing them is the whole update.
        for row in current:
            session.delete(row)
        session.flush()  # the old rows go first: the unit of work would insert before deleting
        session.add_all(TaskUnit(**values) for values in wanted)
        if not {"cơ quan chủ trì", "cơ quan phối hợp"} & set(changed):
            changed.append("đơn vị")
    if changed:
        report.changed.append(Change(task.key, draft.number, changed))
    else:
        report.unchanged += 1


def _draft_value(draft: TaskDraft, field: str) -> object:
    return draft.deadline.text if field == "deadline_text" else getattr(draft, field)


def _unit_values(task_id: int, draft: TaskDraft, units: dict[str, Unit]) -> list[dict[str, Any]]:
    """The task's lead and coordinating units as named in its cells, in order."""
    return [
        {
            "task_id": task_id,
            "role": role,
            "position": i,
            "written": ref.written,
            "unit_id": units[ref.target].id if ref.target else None,
        }
        for role in ROLES
        for i, ref in enumerate(draft.refs[role])
    ]


_UNIT_FIELDS = operator.itemgetter("role", "position", "written", "unit_id")


def _unit_key(rows: list[TaskUnit]) -> list[tuple[str, int, str, int | None]]:
    """A task's unit rows as comparable values (role, position, written, unit), in order."""
    return sorted((r.role, r.position, r.written, r.unit_id) for r in rows)


def _record_run(session: Session, code: str, path: Path, file_format: str, report: ImportReport) -> None:
    plan = session.exec(select(Plan).where(Plan.code == code)).one()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    session.add(
        ImportRun(
            plan_id=plan.id or 0, file_name=path.name, file_format=file_format, sha256=digest, summary=report.summary()
        )
    )
