"""Tasks: the office sets or clears a deadline, marks a task done, reopens it, or sends a unit its
open tasks now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from notifier.actions.audit import audit
from notifier.actions.base import Office, change, touched
from notifier.clock import vietnam_time
from notifier.plans import editing
from notifier.plans.models import Task
from notifier.schedule import progress
from notifier.schedule.on_demand import digest_now, snooze_task
from notifier.units.lookup import find_unit


@dataclass(frozen=True)
class Progress:
    """A task's whole key and its occurrence's status after the office's word."""

    key: str
    status: str


def set_due(office: Office, key: str, day: date, *, confirmed: bool = False) -> Task:
    """The office's own deadline for a task whose words give none (or the wrong one)."""
    with change(office) as session:
        today = vietnam_time(office.clock()).date()
        task = editing.set_due(session, key, day, today=today, confirmed=confirmed)
        touched(session, task.id)
        audit(session, office.by, "set_due", f"{task.key} {day:%d/%m/%Y}", office.clock())
    return task


def clear_due(office: Office, key: str) -> Task:
    """Drop the office's deadline: the plan's words decide again."""
    with change(office) as session:
        task = editing.clear_due(session, key, office.settings.before_means_day_before)
        touched(session, task.id)
        audit(session, office.by, "clear_due", task.key, office.clock())
    return task


def mark_done(office: Office, key: str, *, unit: str | None = None, period: str | None = None) -> Progress:
    """The office marks a task done (whole, or one unit's part): no more reminders for it."""
    with change(office) as session:
        task = editing.find_task(session, key)
        full_key = task.key  # a short key ("4.6") names its plan's task
        touched(session, task.id)
        occurrence = progress.mark_done(session, full_key, office.clock(), unit=unit, period=period)
        audit(session, office.by, "done", full_key, office.clock())
    return Progress(full_key, occurrence.status)


def reopen(office: Office, key: str) -> Progress:
    """Undo a completion, or reject a reported one: every unit is reminded again."""
    with change(office) as session:
        task = editing.find_task(session, key)
        full_key = task.key
        touched(session, task.id)
        occurrence = progress.reopen(session, full_key, office.clock(), by=office.by or progress.OFFICE)
        audit(session, office.by, "reopen", full_key, office.clock())
    return Progress(full_key, occurrence.status)


def send_now(office: Office, unit_name: str) -> int:
    """Put every open item of the unit into its next digest; returns how many."""
    with change(office) as session:
        unit = find_unit(session, unit_name)
        count = digest_now(session, office.policy, unit, office.clock())
        audit(session, office.by, "send_now", f"{unit.name}: {count} mục", office.clock())
    return count


def snooze(office: Office, key: str) -> int:
    """Hold the task's next reminders until the next working day; returns how many tracks wait."""
    with change(office) as session:
        task = editing.find_task(session, key)
        touched(session, task.id)
        held = snooze_task(session, office.policy, task, office.clock())
        audit(session, office.by, "snooze", task.key, office.clock())
    return held
