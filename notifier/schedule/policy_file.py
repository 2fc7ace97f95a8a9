"""``config/policy.yaml`` as the office writes it: its keys, each checked, each problem named by
its place in the file ("periodic_report.deadline_day: …"). ``schedule.policy`` turns it into the
rules the engine uses."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from notifier.yamlfile import NULL_IS_EMPTY_LIST, NULL_IS_EMPTY_TABLE

WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4}
REPORT_PERIODS = ("month", "quarter", "half_year", "year")
DECIDERS = ("office", "leadership")
CHAIN_CHANNELS = ("telegram", "zalo", "email")
CHAIN_KINDS = ("reminder", "leadership")


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f"cần một số nguyên dương (nhận «{value}»)")
    return value


def _hours(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"cần số giờ làm việc không âm (nhận «{value}»)")
    return float(value)


def _clock(value: Any) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"giờ «{value}» không hợp lệ, viết như 08:00") from None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"ngày «{value}» không hợp lệ, viết như 2026-02-14") from None


def _days_ahead(value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value):
        raise ValueError("cần danh sách số ngày làm việc dương")
    return tuple(sorted(set(value), reverse=True))


def _chosen_from(choices: tuple[str, ...], empty: bool = True) -> BeforeValidator:
    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or (not empty and not value) or any(v not in choices for v in value):
            raise ValueError(f"cần danh sách trong {', '.join(choices)} (nhận «{value}»)")
        return tuple(value)

    return BeforeValidator(check)


Positive = Annotated[int, AfterValidator(_positive)]
Hours = Annotated[float, BeforeValidator(_hours)]
Clock = Annotated[time, BeforeValidator(_clock)]
Day = Annotated[date, BeforeValidator(_day)]


class Section(BaseModel):
    """A table of the file: unknown keys are passed over (comments, keys of a later version); a
    section left empty (``lead:`` and nothing under it) means its defaults."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_defaults(cls, value: Any) -> Any:
        return {} if value is None else value


class RoleRulesFile(Section):
    """A role's reminders. Every key is optional: the ones given replace the rules underneath
    (the defaults; for a plan or task override, the rules in force)."""

    # The defaults here are never used: only the keys written count (see ``given``).
    before_working_days: Annotated[tuple[int, ...], BeforeValidator(_days_ahead)] = ()
    on_due_day: bool = True
    overdue_every_working_days: Positive | None = None  # null: none
    escalate_after_working_days: Positive | None = None  # null: never
    window_open: bool = False
    monthly_check_in: bool = False

    def given(self) -> dict[str, Any]:
        """The keys written in the file, with their values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class OverridesFile(Section):
    lead: RoleRulesFile | None = None
    coordinating: RoleRulesFile | None = None


class OfficeHoursFile(Section):
    opens: Clock = time(7, 30)
    closes: Clock = time(17, 0)


class CalendarFile(Section):
    days_off: Annotated[list[Day], NULL_IS_EMPTY_LIST] = Field(default_factory=list)
    make_up_days: Annotated[list[Day], NULL_IS_EMPTY_LIST] = Field(default_factory=list)


class WeeklySummaryFile(Section):
    weekday: str = "monday"
    to_leadership: bool = False

    @field_validator("weekday", mode="before")
    @classmethod
    def _working_day(cls, value: Any) -> str:
        day = str(value).lower()
        if day not in WEEKDAYS:
            raise ValueError(f"«{day}» không phải ngày làm việc (monday … friday)")
        return day


class PeriodicReportFile(Section):
    periods: Annotated[tuple[str, ...], _chosen_from(REPORT_PERIODS, empty=False)] = ("quarter", "half_year", "year")
    deadline_day: Positive = 15
    working_days_before: int = 2
    to_leadership: bool = False
    to_office: bool = False

    @field_validator("deadline_day")
    @classmethod
    def _day_of_month(cls, day: int) -> int:
        if day > 31:
            raise ValueError(f"ngày trong tháng 1-31 (nhận «{day}»)")
        return day

    @field_validator("working_days_before", mode="before")
    @classmethod
    def _not_negative(cls, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"cần số nguyên không âm (nhận «{value}»)")
        return value


class ExtensionsFile(Section):
    max_per_task: Positive = 2
    units_after_due: bool = False
    decided_by: str = "office"

    @field_validator("decided_by", mode="before")
    @classmethod
    def _decider(cls, value: Any) -> str:
        if str(value) not in DECIDERS:
            raise ValueError(f"«{value}» không hợp lệ (office hoặc leadership)")
        return str(value)


class ExplanationsFile(Section):
    answer_within_working_days: Positive = 2


class FollowUpFile(Section):
    after_working_hours: Hours = 0.0
    order: Annotated[tuple[str, ...], _chosen_from(CHAIN_CHANNELS, empty=False)] = CHAIN_CHANNELS
    kinds: Annotated[tuple[str, ...], _chosen_from(CHAIN_KINDS)] = ("reminder",)
    units: dict[str, Hours] = Field(default_factory=dict)

    @field_validator("units", mode="before")
    @classmethod
    def _unit_hours(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("cần bảng tên đơn vị - số giờ làm việc")
        return {str(k): v for k, v in value.items()}


class PolicyFile(Section):
    lead: RoleRulesFile = RoleRulesFile()
    coordinating: RoleRulesFile = RoleRulesFile()
    check_in_working_day: Positive = 1
    send_time: Clock = time(8, 0)
    office_hours: OfficeHoursFile = OfficeHoursFile()
    unit_send_times: Annotated[dict[str, Clock], NULL_IS_EMPTY_TABLE] = Field(default_factory=dict)
    leadership_unit: str | None = None
    office_units: Annotated[tuple[str, ...], NULL_IS_EMPTY_LIST] = ()
    weekly_summary: WeeklySummaryFile = WeeklySummaryFile()
    periodic_report: PeriodicReportFile = PeriodicReportFile()
    extensions: ExtensionsFile = ExtensionsFile()
    follow_up: FollowUpFile = FollowUpFile()
    explanations: ExplanationsFile = ExplanationsFile()
    calendar: CalendarFile = CalendarFile()
    plans: Annotated[dict[str, OverridesFile], NULL_IS_EMPTY_TABLE] = Field(default_factory=dict)
    tasks: Annotated[dict[str, OverridesFile], NULL_IS_EMPTY_TABLE] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _leadership_decides_with_a_unit(self) -> PolicyFile:
        if self.extensions.decided_by == "leadership" and not self.leadership_unit:
            raise ValueError("extensions.decided_by: «leadership» cần leadership_unit (đơn vị lãnh đạo)")
        return self
