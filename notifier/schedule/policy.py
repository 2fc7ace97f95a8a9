"""Reminder policy from ``config/policy.yaml``: who hears what, when; overridable per plan and task."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any

from notifier.errors import InputError
from notifier.plans.models import Role
from notifier.schedule.calendar import WorkingCalendar
from notifier.yamlfile import load_mapping

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4}
REPORT_PERIODS = ("month", "quarter", "half_year", "year")


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


DECIDERS = ("office", "leadership")


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


CHAIN_CHANNELS = ("telegram", "zalo", "email")
CHAIN_KINDS = ("reminder", "leadership")


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
    plan_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    task_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rules(self, role: str, plan_code: str, task_key: str) -> RoleRules:
        """The rules for a role, the plan's overrides applied, then the task's."""
        rules = self.lead if role == Role.LEAD else self.coordinating
        for overrides in (self.plan_overrides.get(plan_code, {}), self.task_overrides.get(task_key, {})):
            if role in overrides:
                rules = _role_rules(overrides[role], rules, f"override {role}")
        return rules

    def send_time_for(self, unit_name: str) -> time:
        return self.unit_send_times.get(unit_name, self.send_time)


def load_policy(path: Path) -> Policy:
    if not path.exists():
        return Policy()
    data = load_mapping(path, "cần một bảng khóa - giá trị")
    try:
        return _policy(data)
    except (TypeError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: {exc}") from None


def _policy(data: dict[str, Any]) -> Policy:
    base = Policy()
    hours = data.get("office_hours") or {}
    summary = data.get("weekly_summary") or {}
    calendar = WorkingCalendar(
        days_off=frozenset(_day(d, "calendar.days_off") for d in (data.get("calendar") or {}).get("days_off") or []),
        make_up_days=frozenset(
            _day(d, "calendar.make_up_days") for d in (data.get("calendar") or {}).get("make_up_days") or []
        ),
        office_opens=_clock(hours.get("opens", "07:30"), "office_hours.opens"),
        office_closes=_clock(hours.get("closes", "17:00"), "office_hours.closes"),
    )
    if (data.get("extensions") or {}).get("decided_by") == "leadership" and not data.get("leadership_unit"):
        raise ValueError("extensions.decided_by: «leadership» cần leadership_unit (đơn vị lãnh đạo)")
    weekday = str(summary.get("weekday", "monday")).lower()
    if weekday not in WEEKDAYS:
        raise ValueError(f"weekly_summary.weekday: «{weekday}» không phải ngày làm việc (monday … friday)")
    return replace(
        base,
        lead=_role_rules(data.get("lead") or {}, base.lead, Role.LEAD),
        coordinating=_role_rules(data.get("coordinating") or {}, base.coordinating, Role.COORDINATING),
        check_in_day=_positive(data.get("check_in_working_day", 1), "check_in_working_day"),
        send_time=_clock(data.get("send_time", "08:00"), "send_time"),
        unit_send_times={
            str(k): _clock(v, f"unit_send_times.{k}") for k, v in (data.get("unit_send_times") or {}).items()
        },
        leadership_unit=data.get("leadership_unit"),
        office_units=tuple(data.get("office_units") or ()),
        summary_weekday=WEEKDAYS[weekday],
        summary_to_leadership=bool(summary.get("to_leadership", False)),
        report=_report_rules(data.get("periodic_report") or {}),
        extensions=_extension_rules(data.get("extensions") or {}),
        explanations=_explanation_rules(data.get("explanations") or {}),
        follow_up=_follow_up_rules(data.get("follow_up") or {}),
        calendar=calendar,
        plan_overrides=dict(data.get("plans") or {}),
        task_overrides=dict(data.get("tasks") or {}),
    )


def _role_rules(raw: dict[str, Any], base: RoleRules, where: str) -> RoleRules:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: cần một bảng khóa - giá trị")
    before = raw.get("before_working_days", list(base.before))
    if not isinstance(before, list) or not all(isinstance(n, int) and n > 0 for n in before):
        raise ValueError(f"{where}.before_working_days: cần danh sách số ngày làm việc dương")
    return RoleRules(
        before=tuple(sorted(set(before), reverse=True)),
        on_due_day=bool(raw.get("on_due_day", base.on_due_day)),
        overdue_every=_optional_positive(raw.get("overdue_every_working_days", base.overdue_every), where),
        escalate_after=_optional_positive(raw.get("escalate_after_working_days", base.escalate_after), where),
        window_open=bool(raw.get("window_open", base.window_open)),
        check_in=bool(raw.get("monthly_check_in", base.check_in)),
    )


def _report_rules(raw: dict[str, Any]) -> ReportRules:
    if not isinstance(raw, dict):
        raise ValueError("periodic_report: cần một bảng khóa - giá trị")
    base = ReportRules()
    periods = raw.get("periods", list(base.periods))
    if not isinstance(periods, list) or not periods or any(p not in REPORT_PERIODS for p in periods):
        raise ValueError(f"periodic_report.periods: cần danh sách trong {', '.join(REPORT_PERIODS)} (nhận «{periods}»)")
    day = _positive(raw.get("deadline_day", base.deadline_day), "periodic_report.deadline_day")
    if day > 31:
        raise ValueError(f"periodic_report.deadline_day: ngày trong tháng 1-31 (nhận «{day}»)")
    before = raw.get("working_days_before", base.working_days_before)
    if not isinstance(before, int) or before < 0:
        raise ValueError(f"periodic_report.working_days_before: cần số nguyên không âm (nhận «{before}»)")
    return ReportRules(
        periods=tuple(periods),
        deadline_day=day,
        working_days_before=before,
        to_leadership=bool(raw.get("to_leadership", False)),
        to_office=bool(raw.get("to_office", False)),
    )


def _extension_rules(raw: dict[str, Any]) -> ExtensionRules:
    if not isinstance(raw, dict):
        raise ValueError("extensions: cần một bảng khóa - giá trị")
    decided_by = str(raw.get("decided_by", "office"))
    if decided_by not in DECIDERS:
        raise ValueError(f"extensions.decided_by: «{decided_by}» không hợp lệ (office hoặc leadership)")
    return ExtensionRules(
        max_per_occurrence=_positive(raw.get("max_per_task", 2), "extensions.max_per_task"),
        units_after_due=bool(raw.get("units_after_due", False)),
        decided_by=decided_by,
    )


def _explanation_rules(raw: dict[str, Any]) -> ExplanationRules:
    if not isinstance(raw, dict):
        raise ValueError("explanations: cần một bảng khóa - giá trị")
    days = raw.get("answer_within_working_days", 2)
    return ExplanationRules(answer_within=_positive(days, "explanations.answer_within_working_days"))


def _follow_up_rules(raw: dict[str, Any]) -> FollowUpRules:
    if not isinstance(raw, dict):
        raise ValueError("follow_up: cần một bảng khóa - giá trị")
    order = raw.get("order", list(CHAIN_CHANNELS))
    if not isinstance(order, list) or not order or any(c not in CHAIN_CHANNELS for c in order):
        raise ValueError(f"follow_up.order: cần danh sách trong {', '.join(CHAIN_CHANNELS)} (nhận «{order}»)")
    kinds = raw.get("kinds", ["reminder"])
    if not isinstance(kinds, list) or any(k not in CHAIN_KINDS for k in kinds):
        raise ValueError(f"follow_up.kinds: cần danh sách trong {', '.join(CHAIN_KINDS)} (nhận «{kinds}»)")
    units = raw.get("units") or {}
    if not isinstance(units, dict):
        raise ValueError("follow_up.units: cần bảng tên đơn vị - số giờ làm việc")
    return FollowUpRules(
        hours=_hours(raw.get("after_working_hours", 0), "follow_up.after_working_hours"),
        order=tuple(order),
        kinds=tuple(kinds),
        units={str(k): _hours(v, f"follow_up.units.{k}") for k, v in units.items()},
    )


def _hours(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{where}: cần số giờ làm việc không âm (nhận «{value}»)")
    return float(value)


def _optional_positive(value: Any, where: str) -> int | None:
    return None if value is None else _positive(value, where)


def _positive(value: Any, where: str) -> int:
    if not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: cần một số nguyên dương (nhận «{value}»)")
    return value


def _clock(value: Any, where: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{where}: giờ «{value}» không hợp lệ, viết như 08:00") from None


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: ngày «{value}» không hợp lệ, viết như 2026-02-14") from None
