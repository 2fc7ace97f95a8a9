"""Changes the office makes to stored tasks."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, select

from notifier.clock import stamp
from notifier.errors import InputError
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.models import Task

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
    if not key.isprintable():  # a NUL or control character is no task key (and PostgreSQL refuses NUL)
        raise InputError(f"không có nhiệm vụ mã «{key.encode('unicode_escape').decode()}»")
    task = session.exec(select(Task).where(Task.key == key)).first()
    if task is None:
        raise InputError(f"không có nhiệm vụ mã «{key}» (xem: notifier tasks)")
    return task


def set_due(session: Session, key: str, day: date) -> Task:
    """Give a task the office's own due date; the plan's words are kept beside it.

    A continuous or unspecified task becomes a one-off due that day; a recurring
    or windowed task keeps its kind and only its due date moves.
    """
    task = find_task(session, key)
    if task.window_start and day < task.window_start:
        raise InputError(
            f"ngày hạn {day:%d/%m/%Y} trước ngày bắt đầu {task.window_start:%d/%m/%Y} của nhiệm vụ «{key}»"
        )
    if task.deadline_kind in (DeadlineKind.UNSPECIFIED, DeadlineKind.CONTINUOUS):
        task.deadline_kind = DeadlineKind.ONCE.value
    task.due, task.due_set_by_office, task.updated_at = day, True, stamp()
    session.add(task)
    session.flush()
    return task
