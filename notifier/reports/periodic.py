"""The periodic report the office files upward: for a month, quarter, half-year or year, each lead
unit's tasks in the four official counts (QĐ 42/2014/QĐ-TTg: hoàn thành đúng hạn, hoàn thành quá
hạn, đang thực hiện trong hạn, quá hạn chưa hoàn thành), the continuous tasks and those without a
deadline, and the overdue tasks named.

Figures come from the occurrences' history (``ProgressEvent``) replayed up to the period's end,
not from today's rows: the same period asked for months later gives the same report. A task done
within the period counts in it; one done before the period began belongs to an earlier report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from notifier.clock import at_vietnam, iso_day, vietnam_time
from notifier.delivery.models import Ack
from notifier.errors import InputError
from notifier.plans.models import Plan, Role, Task
from notifier.plans.periods import ReportPeriod
from notifier.schedule.models import (
    Assignment,
    Digest,
    ExplanationRequest,
    ExplanationStatus,
    Occurrence,
    ProgressEvent,
    RoundStatus,
    Track,
)
from notifier.units.models import Unit

ON_TIME, LATE, IN_PROGRESS, OVERDUE = "done_on_time", "done_late", "in_progress", "overdue"
CONTINUOUS, NO_DEADLINE = "continuous", "no_deadline"
COUNTS = (ON_TIME, LATE, IN_PROGRESS, OVERDUE, CONTINUOUS, NO_DEADLINE)


@dataclass
class UnitCounts:
    unit: str
    done_on_time: int = 0
    done_late: int = 0
    in_progress: int = 0
    overdue: int = 0
    continuous: int = 0
    no_deadline: int = 0

    @property
    def with_deadline(self) -> int:
        return self.done_on_time + self.done_late + self.in_progress + self.overdue

    @property
    def on_time_rate(self) -> float | None:
        """Share of the period's completions that were on time, in percent; None with none done."""
        done = self.done_on_time + self.done_late
        return round(100 * self.done_on_time / done, 1) if done else None

    def add(self, bucket: str) -> None:
        setattr(self, bucket, getattr(self, bucket) + 1)

    def json(self) -> dict[str, Any]:
        counts = {name: getattr(self, name) for name in COUNTS}
        return {"unit": self.unit, **counts, "with_deadline": self.with_deadline, "on_time_rate": self.on_time_rate}


@dataclass(frozen=True)
class ReportItem:
    """One lead unit's part in one occurrence, as the report lists it."""

    key: str
    number: str
    title: str
    plan: str
    unit: str
    period: str  # the occurrence's period ("once", "continuous", "2026-Q4")
    deadline_text: str
    due: date | None
    first_due: date | None  # the deadline first given; differs from ``due`` when it was moved
    done_on: date | None
    bucket: str
    days_late: int  # calendar days past the deadline: at completion, or at the period's end
    last_report: str | None = None  # a continuous task: the unit's last written word
    last_report_on: date | None = None
    extended: bool = False  # ``due`` is an approved extension; on time is judged against it
    explanation: str | None = None  # the unit's last answer to a request for explanation (giải trình)
    explanation_on: date | None = None

    def json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "plan": self.plan,
            "unit": self.unit,
            "period": self.period,
            "deadline_text": self.deadline_text,
            "due": iso_day(self.due),
            "first_due": iso_day(self.first_due),
            "done_on": iso_day(self.done_on),
            "status": self.bucket,
            "days_late": self.days_late,
            "last_report": self.last_report,
            "last_report_on": iso_day(self.last_report_on),
            "extended": self.extended,
            "explanation": self.explanation,
            "explanation_on": iso_day(self.explanation_on),
        }


@dataclass(frozen=True)
class PeriodReport:
    period: ReportPeriod
    as_of: date  # the period's last day, or the day it was asked for while the period still runs
    plans: list[str]
    issuer: str
    units: list[UnitCounts]  # ranked: most overdue first
    totals: UnitCounts
    items: list[ReportItem] = field(default_factory=list)

    def of(self, bucket: str) -> list[ReportItem]:
        return [i for i in self.items if i.bucket == bucket]

    def json(self) -> dict[str, Any]:
        return {
            "period": self.period.code,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "plans": self.plans,
            "issuer": self.issuer,
            "units": [u.json() for u in self.units],
            "totals": self.totals.json(),
            "items": [i.json() for i in self.items],
        }


@dataclass
class _State:
    """An occurrence as it stood at a moment, replayed from its history."""

    due: date | None
    first_due: date | None
    whole_done: datetime | None = None
    unit_done: dict[int, datetime] = field(default_factory=dict)
    cancelled: bool = False
    extended: bool = False  # the deadline in force is an approved extension

    def done_at(self, unit_id: int) -> datetime | None:
        moments = [m for m in (self.unit_done.get(unit_id), self.whole_done) if m is not None]
        return min(moments) if moments else None


def replay(occurrence: Occurrence, events: list[ProgressEvent], until: datetime) -> _State:
    """The occurrence before ``until``. The deadline it was first given stands for one recorded
    later only when nothing earlier is known (a plan imported after the period it reports on)."""
    first = next((e.due for e in events if e.kind == "due"), occurrence.due)
    state = _State(due=first, first_due=first)
    for event in events:
        if event.at >= until:
            break
        _apply(state, event)
    return state


def _apply(state: _State, event: ProgressEvent) -> None:
    if event.kind in ("due", "extended"):
        state.due, state.extended = event.due, event.kind == "extended"
    elif event.kind in (RoundStatus.DONE, RoundStatus.REPORTED) and event.unit_id is None:
        state.whole_done = state.whole_done or event.at
    elif event.kind in (RoundStatus.DONE, RoundStatus.REPORTED) and event.unit_id is not None:
        state.unit_done.setdefault(event.unit_id, event.at)
    elif event.kind == "reopened":
        state.whole_done, state.unit_done, state.cancelled = None, {}, False
    elif event.kind == RoundStatus.CANCELLED:
        state.cancelled = True


_Judged = tuple[str, date | None, int]  # bucket, day done, days late


def classify(state: _State, unit_id: int, occurrence: Occurrence, period: ReportPeriod, as_of: date) -> _Judged | None:
    """(bucket, day done, days late) for one lead's part, judged on ``as_of`` (the period's last
    day, or today while it runs); None when it belongs to an earlier report."""
    done_at = state.done_at(unit_id)
    due = state.due
    if done_at is not None:
        done_on = vietnam_time(done_at).date()
        if done_on < period.start:
            return None
        late = due is not None and done_on > due
        return (LATE if late else ON_TIME), done_on, (done_on - due).days if late and due else 0
    if occurrence.period == "continuous":
        return CONTINUOUS, None, 0
    if due is None:
        return NO_DEADLINE, None, 0
    if due < as_of:
        return OVERDUE, None, (as_of - due).days
    return IN_PROGRESS, None, 0


def in_period(occurrence: Occurrence, state: _State, as_of: date) -> bool:
    """A one-off or continuous task belongs to every period of its plan; a recurring task's
    occurrence once its window has begun."""
    if occurrence.period in ("once", "continuous"):
        return True
    begins = occurrence.window_start or state.due
    return begins is None or begins <= as_of


@dataclass(frozen=True)
class History:
    """Everything a report reads, loaded once: several periods (the year month by month) are then
    judged in memory. Scoping to a period's end (plans removed, tasks archived) happens per report."""

    plans: dict[int, Plan]
    tasks: dict[int, Task]
    units: dict[int, str]
    occurrences: list[Occurrence]
    events: dict[int, list[ProgressEvent]]  # occurrence id -> its history, in order
    leads: dict[int, list[int]]  # occurrence id -> lead unit ids
    undated_leads: list[Assignment]  # active lead assignments (for tasks without a deadline)
    comments: list[tuple[Ack, int]]  # units' written answers on tasks, with the unit, in time order
    explanations: list[ExplanationRequest]  # answered requests for explanation, in time order


def load_history(session: Session, *, plan_code: str | None = None) -> History:
    query = select(Plan).where(Plan.code == plan_code) if plan_code else select(Plan)
    plans = {p.id or 0: p for p in session.exec(query).all()}
    if plan_code and not plans:
        raise InputError(f"không có kế hoạch mã «{plan_code}»")
    tasks = {t.id or 0: t for t in session.exec(select(Task).where(col(Task.plan_id).in_(plans))).all()}
    occurrences = list(session.exec(select(Occurrence).where(col(Occurrence.task_id).in_(tasks))).all())
    ids = [o.id or 0 for o in occurrences]
    events: dict[int, list[ProgressEvent]] = defaultdict(list)
    query_events = select(ProgressEvent).where(col(ProgressEvent.occurrence_id).in_(ids))
    for event in session.exec(query_events.order_by(col(ProgressEvent.at), col(ProgressEvent.id))).all():
        events[event.occurrence_id].append(event)
    leads: dict[int, list[int]] = defaultdict(list)
    lead_rows = select(Track.occurrence_id, Assignment.unit_id).where(
        Track.assignment_id == Assignment.id, Assignment.role == Role.LEAD, col(Track.occurrence_id).in_(ids)
    )
    for occurrence_id, unit_id in session.exec(lead_rows.order_by(col(Assignment.id))).all():
        leads[occurrence_id].append(unit_id)
    undated = select(Assignment).where(col(Assignment.task_id).in_(tasks), Assignment.role == Role.LEAD)
    notes = select(Ack, Digest.unit_id).where(Ack.digest_id == Digest.id, Ack.action == "comment")
    answered = select(ExplanationRequest).where(
        ExplanationRequest.status == ExplanationStatus.ANSWERED, col(ExplanationRequest.task_id).in_(tasks)
    )
    return History(
        plans,
        tasks,
        {u.id or 0: u.name for u in session.exec(select(Unit)).all()},
        occurrences,
        events,
        leads,
        list(session.exec(undated.where(col(Assignment.active).is_(True)).order_by(col(Assignment.id))).all()),
        list(session.exec(notes.where(col(Ack.task_id).in_(tasks)).order_by(col(Ack.at))).all()),
        list(session.exec(answered.order_by(col(ExplanationRequest.answered_at))).all()),
    )


def period_report(
    session: Session, period: ReportPeriod, now: datetime, *, plan_code: str | None = None
) -> PeriodReport:
    """The report for ``period`` over every plan (or the one named), as the history stood at its
    end; a period still running is judged on today."""
    return judge(load_history(session, plan_code=plan_code), period, now)


def judge(history: History, period: ReportPeriod, now: datetime) -> PeriodReport:
    if period.start > vietnam_time(now).date():
        raise InputError(f"kỳ báo cáo «{period.code}» chưa bắt đầu")
    as_of = min(period.end, vietnam_time(now).date())
    until = at_vietnam(as_of + timedelta(days=1), time(0))
    scope = _scope(history, until)
    items, dated = _dated_items(history, scope, period, as_of, until)
    items += _undated_items(history, scope, dated)
    items = _with_explanations(history, _with_last_reports(history, items, scope, until), scope, until)
    counts: dict[str, UnitCounts] = {}
    for item in items:
        counts.setdefault(item.unit, UnitCounts(item.unit)).add(item.bucket)
    ranked = sorted(counts.values(), key=lambda c: (-c.overdue, -c.done_late, c.unit))
    totals = UnitCounts("Tổng cộng")
    for bucket in COUNTS:
        setattr(totals, bucket, sum(getattr(c, bucket) for c in ranked))
    order = {bucket: rank for rank, bucket in enumerate(COUNTS)}
    position = {t.key: t.position for t in scope.tasks.values()}
    items.sort(key=lambda i: (order[i.bucket], -i.days_late, i.unit, position.get(i.key, 0)))
    issuers = sorted({p.issuer for p in scope.plans.values() if p.issuer})
    plans = sorted(p.code for p in scope.plans.values())
    return PeriodReport(period, as_of, plans, "; ".join(issuers), ranked, totals, items)


@dataclass(frozen=True)
class _Scope:
    """The plans not removed and the tasks not archived before the period's end."""

    plans: dict[int, Plan]
    tasks: dict[int, Task]
    units: dict[int, str]


def _scope(history: History, until: datetime) -> _Scope:
    plans = {i: p for i, p in history.plans.items() if p.removed_at is None or p.removed_at >= until}
    tasks = {
        i: t
        for i, t in history.tasks.items()
        if t.plan_id in plans and (t.archived_at is None or t.archived_at >= until)
    }
    return _Scope(plans, tasks, history.units)


def _dated_items(
    history: History, scope: _Scope, period: ReportPeriod, as_of: date, until: datetime
) -> tuple[list[ReportItem], set[int]]:
    """Each lead's part in each occurrence that existed at the period's end, and the tasks that had
    one. An occurrence first recorded later did not exist then (the office set a date afterwards),
    unless its whole task is newer: a plan imported after the period reports as first known."""
    items: list[ReportItem] = []
    dated: set[int] = set()
    for occurrence in history.occurrences:
        task = scope.tasks.get(occurrence.task_id)
        events = history.events.get(occurrence.id or 0, [])
        if task is None or (events and events[0].at >= until and task.created_at < until):
            continue
        state = replay(occurrence, events, until)
        if state.cancelled:
            continue
        dated.add(occurrence.task_id)
        if not in_period(occurrence, state, as_of):
            continue
        for unit_id in history.leads.get(occurrence.id or 0, []):
            judged = classify(state, unit_id, occurrence, period, as_of)
            if judged is not None:
                items.append(_item(scope, task, unit_id, occurrence.period, state, judged))
    return items, dated


def _item(scope: _Scope, task: Task, unit_id: int, period: str, state: _State | None, judged: _Judged) -> ReportItem:
    bucket, done_on, days_late = judged
    return ReportItem(
        key=task.key,
        number=task.path.split("#")[0] or task.number,  # "3.3.b" says where it sits; "#2" is the key's
        title=task.title,
        plan=scope.plans[task.plan_id].code,
        unit=scope.units.get(unit_id, "?"),
        period=period,
        deadline_text=task.deadline_text,
        due=state.due if state else None,
        first_due=state.first_due if state else None,
        done_on=done_on,
        bucket=bucket,
        days_late=days_late,
        extended=state.extended if state else False,
    )


def _undated_items(history: History, scope: _Scope, dated: set[int]) -> list[ReportItem]:
    """The tasks that had no deadline at the period's end (their words give none and the office
    had set none): no occurrence then, never reminded."""
    rows = [a for a in history.undated_leads if a.task_id in scope.tasks and a.task_id not in dated]
    return [_item(scope, scope.tasks[a.task_id], a.unit_id, "", None, (NO_DEADLINE, None, 0)) for a in rows]


def _with_last_reports(history: History, items: list[ReportItem], scope: _Scope, until: datetime) -> list[ReportItem]:
    """A continuous task's line carries the unit's last written word on it before the period's end."""
    if not any(i.bucket == CONTINUOUS for i in items):
        return items
    latest: dict[tuple[str, str], Ack] = {}
    for ack, unit_id in history.comments:
        task = scope.tasks.get(ack.task_id or 0)
        if task is not None and ack.at < until:
            latest[(task.key, scope.units.get(unit_id, "?"))] = ack
    return [_noted(i, latest.get((i.key, i.unit))) if i.bucket == CONTINUOUS else i for i in items]


def _with_explanations(history: History, items: list[ReportItem], scope: _Scope, until: datetime) -> list[ReportItem]:
    """A line carries the unit's last explanation of that round of the task given before the
    period's end (the "giải trình" the office files with a late task)."""
    if not history.explanations:  # most reports: nothing to walk (judge runs once per month of a year)
        return items
    periods = {o.id: o.period for o in history.occurrences}
    latest: dict[tuple[str, str, str], ExplanationRequest] = {}
    for request in history.explanations:
        task = scope.tasks.get(request.task_id)
        if task is not None and request.answered_at is not None and request.answered_at < until:
            latest[(task.key, periods.get(request.occurrence_id, ""), scope.units.get(request.unit_id, "?"))] = request
    if not latest:
        return items
    return [_explained(i, latest.get((i.key, i.period, i.unit))) for i in items]


def _explained(item: ReportItem, request: ExplanationRequest | None) -> ReportItem:
    if request is None or request.answered_at is None:
        return item
    return replace(item, explanation=request.answer, explanation_on=vietnam_time(request.answered_at).date())


def _noted(item: ReportItem, ack: Ack | None) -> ReportItem:
    if ack is None:
        return item
    return replace(item, last_report=ack.text, last_report_on=vietnam_time(ack.at).date())
