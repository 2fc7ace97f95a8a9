"""Changes the office makes to stored tasks."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, col, select

from notifier.clock import stamp
from notifier.errors import InputError
from notifier.plans.deadlines import DeadlineContext, DeadlineKind, parse_deadline
from notifier.plans.models import Plan, Task, TaskStatus

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_VIETNAMESE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_day(text: str) -> date:
    """A date as offices write it (10/3/2026, 10-3-2026, 10.3.2026) or ISO (2026-03-10)."""
    raw = text.strip()
    iso, vn = _ISO.match(raw), _VIETNAMESE.match(raw)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if vn:
            return date(int(vn.group(3)), int(vn.group(2)), int(vn.group(1)))
    except ValueError:
        raise InputError(f"ngày không tồn tại: «{raw}»") from None
    raise InputError(f"không đọc được ngày «{raw}»: viết như 10/3/2026 hoặc 2026-03-10")


def find_task(session: Session, key: str) -> Task:
    """A task by its key ("PLAN:4.6"), or by its number alone ("4.6") when one open plan has it."""
    if not key.isprintable():  # a NUL or control character is no task key (and PostgreSQL refuses NUL)
        raise InputError(f"không có nhiệm vụ mã «{key.encode('unicode_escape').decode()}»")
    task = session.exec(select(Task).where(Task.key == key)).first()
    if task is not None:
        return task
    candidates = _short_key_matches(session, key) if ":" not in key else []
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        listed = ", ".join(t.key for t in candidates)
        raise InputError(f"mã «{key}» có ở nhiều kế hoạch: {listed}; ghi đủ mã, ví dụ {candidates[0].key}")
    raise InputError(f"không có nhiệm vụ mã «{key}» (xem: notifier tasks)")


def _short_key_matches(session: Session, short: str) -> list[Task]:
    """Tasks of plans not removed whose key ends in ":short"; archived ones only if nothing else."""
    rows = session.exec(
        select(Task)
        .join(Plan, col(Plan.id) == Task.plan_id)
        .where(col(Task.key).endswith(f":{short}"), col(Plan.removed_at).is_(None))
        .order_by(col(Task.key))
    ).all()
    live = [t for t in rows if t.status != TaskStatus.ARCHIVED]
    return live or list(rows)


EARLIEST_DUE_YEAR, LATEST_DUE_YEAR = 2000, 2100
FAR_PAST_DAYS = 365  # a date this far back is most likely a typo (2025 for 2026): asked for --yes


def set_due(session: Session, key: str, day: date, *, today: date, confirmed: bool = False) -> Task:
    """Give a task the office's own due date; the plan's words are kept beside it.

    A continuous or unspecified task becomes a one-off due that day; a recurring
    or windowed task keeps its kind and only its due date moves.
    """
    task = find_task(session, key)
    _check_due(task, day, today, confirmed)
    if task.deadline_kind in (DeadlineKind.UNSPECIFIED, DeadlineKind.CONTINUOUS):
        task.deadline_kind = DeadlineKind.ONCE.value
    task.due, task.due_set_by_office, task.updated_at = day, True, stamp()
    session.add(task)
    session.flush()
    return task


def _check_due(task: Task, day: date, today: date, confirmed: bool) -> None:
    if not EARLIEST_DUE_YEAR <= day.year <= LATEST_DUE_YEAR:
        raise InputError(f"ngày hạn {day:%d/%m/%Y} nằm ngoài các năm {EARLIEST_DUE_YEAR}–{LATEST_DUE_YEAR}")
    if task.window_start and day < task.window_start:
        raise InputError(
            f"ngày hạn {day:%d/%m/%Y} trước ngày bắt đầu {task.window_start:%d/%m/%Y} của nhiệm vụ «{task.key}»"
        )
    if (today - day).days > FAR_PAST_DAYS and not confirmed:
        raise InputError(
            f"ngày hạn {day:%d/%m/%Y} đã qua hơn một năm (hôm nay {today:%d/%m/%Y}): "
            "nếu đúng là vậy, chạy lại với --yes"
        )


def clear_due(session: Session, key: str, before_means_day_before: bool) -> Task:
    """Undo the office's date: the task's deadline is again what the plan's words say."""
    task = find_task(session, key)
    if not task.due_set_by_office:
        raise InputError(f"nhiệm vụ «{task.key}» không có ngày hạn do văn phòng đặt")
    plan = session.get_one(Plan, task.plan_id)
    d = parse_deadline(task.deadline_text, DeadlineContext(plan.year, plan.issued_on, before_means_day_before))
    task.deadline_kind, task.deadline_understood = d.kind.value, d.understood
    task.window_start, task.due, task.due_day, task.due_set_by_office = d.start, d.due, d.due_day, False
    task.updated_at = stamp()
    session.add(task)
    session.flush()
    return task

