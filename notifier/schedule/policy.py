"""Reminder policy from ``config/policy.yaml``: who hears what, when; overridable per plan and task."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path

from notifier.plans.models import Role
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy_file import CHAIN_CHANNELS, WEEKDAYS, OverridesFile, PolicyFile, RoleRulesFile
from notifier.yamlfile import load_model


@dataclass(frozen=True)
class ReportRules:
    """The periodic report sent before the office must file it upward: for which periods, when it
    is due upward (that day of the period's last month), and how many working days ahead."""

    periods: tuple[str, ...] = ("quarter", "half_year", "year")
    deadline_day: int = 15
    working_days_before: int = 2
    to_leadership: bool = False
    to_office: bool = False


@dataclass(frozen=True)
class RoleRules:
    before: tuple[int, ...]
    on_due_day: bool = True
    overdue_every: int | None = None
    escalate_after: int | None = None
    window_open: bool = False
    check_in: bool = False


@dataclass(frozen=True)
class ExtensionRules:
    """How many extensions one occurrence of a task may get, and whether a unit may still ask once
    its deadline has passed (otherwise only the office records such a request)."""

    max_per_occurrence: int = 2
    units_after_due: bool = False
    decided_by: str = "office"  # "office" (the web page, the CLI) or "leadership" (also in its chat)


@dataclass(frozen=True)
class ExplanationRules:
    """How many working days a unit has to answer a request for explanation; after them the
    missing answer goes to leadership."""

    answer_within: int = 2


@dataclass(frozen=True)
class FollowUpRules:
    """Follow-ups across channels: a digest with overdue or due-today items goes first to the
    unit's first linked channel in ``order``; unacknowledged after ``hours`` working hours, to the
    next one, and so on. 0 hours: every linked channel at once (no chain)."""

    hours: float = 0
    order: tuple[str, ...] = CHAIN_CHANNELS
    kinds: tuple[str, ...] = ("reminder",)
    units: dict[str, float] = field(default_factory=dict)  # a unit's own hours (0: no chain)

    def hours_for(self, unit: str) -> float:
        return self.units.get(unit, self.hours)

    @property
    def chases(self) -> bool:
        """Whether any unit's digests are chased at all (off by default: nothing to wait for)."""
        return bool(self.hours or any(self.units.values()))


NO_FILE = hashlib.sha256(b"").hexdigest()[:16]  # the defaults' fingerprint


@dataclass(frozen=True)
class Policy:
    lead: RoleRules = RoleRules(
        before=(14, 7, 3, 1), overdue_every=3, escalate_after=5, window_open=True, check_in=True
    )
    coordinating: RoleRules = RoleRules(before=(7,))
    check_in_day: int = 1  # the n-th working day of the month
    send_time: time = time(8, 0)
    unit_send_times: dict[str, time] = field(default_factory=dict)
    leadership_unit: str | None = None
    office_units: tuple[str, ...] = ()
    summary_weekday: int = 0
    summary_to_leadership: bool = False
    report: ReportRules = ReportRules()
    extensions: ExtensionRules = ExtensionRules()
    explanations: ExplanationRules = ExplanationRules()
    follow_up: FollowUpRules = FollowUpRules()
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    plan_overrides: dict[str, OverridesFile] = field(default_factory=dict)
    task_overrides: dict[str, OverridesFile] = field(default_factory=dict)
    # Of the file as read: tracks planned under one policy are re-planned whole under another.
    fingerprint: str = field(default=NO_FILE, compare=False)

    def rules(self, role: str, plan_code: str, task_key: str) -> RoleRules:
        """The rules for a role, the plan's overrides applied, then the task's."""
        rules = self.lead if role == Role.LEAD else self.coordinating
        for overrides in (self.plan_overrides.get(plan_code), self.task_overrides.get(task_key)):
            written = None if overrides is None else overrides.lead if role == Role.LEAD else overrides.coordinating
            if written is not None:
                rules = _role_rules(written, rules)
        return rules

    def send_time_for(self, unit_name: str) -> time:
        return self.unit_send_times.get(unit_name, self.send_time)


def load_policy(path: Path) -> Policy:
    """The office's policy file (the defaults without one); a problem names the file and the key."""
    if not path.exists():
        return Policy()
    # Hashed before it is read: an edit in between then re-plans on the next start, never the reverse.
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return replace(_policy(load_model(path, PolicyFile, "cần một bảng khóa - giá trị")), fingerprint=fingerprint)


def _policy(written: PolicyFile) -> Policy:
    base, summary, report = Policy(), written.weekly_summary, written.periodic_report
    return Policy(
        lead=_role_rules(written.lead, base.lead),
        coordinating=_role_rules(written.coordinating, base.coordinating),
        check_in_day=written.check_in_working_day,
        send_time=written.send_time,
        unit_send_times={str(k): v for k, v in written.unit_send_times.items()},
        leadership_unit=written.leadership_unit,
        office_units=written.office_units,
        summary_weekday=WEEKDAYS[summary.weekday],
        summary_to_leadership=summary.to_leadership,
        report=ReportRules(
            report.periods, report.deadline_day, report.working_days_before, report.to_leadership, report.to_office
        ),
        extensions=ExtensionRules(
            written.extensions.max_per_task, written.extensions.units_after_due, written.extensions.decided_by
        ),
        explanations=ExplanationRules(written.explanations.answer_within_working_days),
        follow_up=FollowUpRules(
            written.follow_up.after_working_hours,
            written.follow_up.order,
            written.follow_up.kinds,
            written.follow_up.units,
        ),
        calendar=WorkingCalendar(
            days_off=frozenset(written.calendar.days_off),
            make_up_days=frozenset(written.calendar.make_up_days),
            office_opens=written.office_hours.opens,
            office_closes=written.office_hours.closes,
        ),
        plan_overrides=dict(written.plans),
        task_overrides=dict(written.tasks),
    )


# The file's words for a role's rules, and the rules' own names.
_ROLE_KEYS = {
    "before_working_days": "before",
    "on_due_day": "on_due_day",
    "overdue_every_working_days": "overdue_every",
    "escalate_after_working_days": "escalate_after",
    "window_open": "window_open",
    "monthly_check_in": "check_in",
}


def _role_rules(written: RoleRulesFile, base: RoleRules) -> RoleRules:
    """``base`` with the keys the file gives."""
    return replace(base, **{_ROLE_KEYS[key]: value for key, value in written.given().items()})
