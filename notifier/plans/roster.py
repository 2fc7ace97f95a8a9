"""The imported plans (``notifier plans``), and removing one imported by mistake.

Removing never deletes rows: the plan is marked removed and its tasks archived, so the
reminder tracks close and nothing more is sent, while every delivery and acknowledgement stays
in the log. Importing the plan again brings it and its tasks back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from notifier.clock import stamp
from notifier.errors import InputError
from notifier.plans.models import ImportRun, Plan, Task, TaskStatus


@dataclass(frozen=True)
class RemovedPlan:
    code: str
    tasks_archived: int


@dataclass(frozen=True)
class PlanRecord:
    """An imported plan, as `notifier plans` and the pages list it."""

    code: str
    number: str | None
    title: str
    issuer: str | None
    date: date | None
    year: int | None
    tasks: int  # not archived
    archived_tasks: int
    imported_at: datetime
    file: str | None
    format: str | None
    removed_at: datetime | None

    def json(self) -> dict[str, Any]:
        """The `notifier plans --json` row (dates and times ISO 8601, as stored)."""
        return asdict(self) | {
            "date": self.date.isoformat() if self.date else None,
            "imported_at": _iso(self.imported_at),
            "removed_at": _iso(self.removed_at),
        }


def plan_records(session: Session, *, include_removed: bool = False) -> list[PlanRecord]:
    plans = session.exec(select(Plan).order_by(col(Plan.code))).all()
    counts = Counter((plan_id, status) for plan_id, status in session.exec(select(Task.plan_id, Task.status)).all())
    last_runs = _last_runs(session)
    return [
        _record(plan, counts, last_runs.get(plan.id or 0))
        for plan in plans
        if include_removed or plan.removed_at is None
    ]


def any_plan(session: Session) -> bool:
    """Whether a plan not removed is imported: one row read, not the whole roster."""
    return session.exec(select(Plan.id).where(col(Plan.removed_at).is_(None)).limit(1)).first() is not None


def _last_runs(session: Session) -> dict[int, ImportRun]:
    runs: dict[int, ImportRun] = {}
    for run in session.exec(select(ImportRun).order_by(col(ImportRun.id))).all():
        runs[run.plan_id] = run
    return runs


def _record(plan: Plan, counts: Counter[tuple[int, str]], run: ImportRun | None) -> PlanRecord:
    pid = plan.id or 0
    archived = counts[(pid, TaskStatus.ARCHIVED)]
    return PlanRecord(
        code=plan.code,
        number=plan.number,
        title=plan.title,
        issuer=plan.issuer,
        date=plan.issued_on,
        year=plan.year,
        tasks=sum(n for (p, _), n in counts.items() if p == pid) - archived,
        archived_tasks=archived,
        imported_at=run.imported_at if run else plan.created_at,
        file=run.file_name if run else None,
        format=run.file_format if run else None,
        removed_at=plan.removed_at,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def remove_plan(session: Session, code: str) -> RemovedPlan:
    plan = session.exec(select(Plan).where(Plan.code == code, col(Plan.removed_at).is_(None))).first()
    if plan is None:
        known = ", ".join(p.code for p in session.exec(select(Plan).where(col(Plan.removed_at).is_(None))).all())
        raise InputError(f"không có kế hoạch mã «{code}»" + (f"; các kế hoạch: {known}" if known else ""))
    now = stamp()
    tasks = session.exec(select(Task).where(Task.plan_id == plan.id, Task.status != TaskStatus.ARCHIVED)).all()
    for task in tasks:
        task.status, task.archived_at, task.updated_at = TaskStatus.ARCHIVED, now, now
        session.add(task)
    plan.removed_at, plan.updated_at = now, now
    session.add(plan)
    session.flush()
    return RemovedPlan(plan.code, len(tasks))
