"""From tasks to tracks: who is assigned (groups expanded), which occurrences exist, and when each
track's next step falls due. Runs after every change to tasks and once a day; its cost follows the
size of the plan, so it is never part of the scan."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from notifier.clock import at_vietnam, vietnam_time
from notifier.db.chunks import chunked
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.models import Plan, Task, TaskStatus, TaskUnit
from notifier.plans.periods import half_bounds, month_bounds, quarter_bounds, quarter_of, year_bounds
from notifier.schedule.history import event, record_all
from notifier.schedule.marks import mark_of, set_mark
from notifier.schedule.models import Assignment, Occurrence, RoundStatus, Track
from notifier.schedule.policy import Policy
from notifier.schedule.steps import Plot, steps
from notifier.units.models import GroupMember, Unit


@dataclass(frozen=True)
class Period:
    key: str
    start: date | None
    due: date | None


def sync_tracks(session: Session, policy: Policy, now: datetime, *, tasks: Collection[int] | None = None) -> None:
    """Bring assignments, occurrences and tracks in line with the stored tasks: every task, or only
    ``tasks`` (what a change touched: each task's tracks follow from that task alone, so a date set
    on one task need not walk the whole plan)."""
    units = {u.id: u for u in session.exec(select(Unit)).all()}
    scope = None if tasks is None else sorted(tasks)
    wanted = _wanted_assignments(session, units, scope)
    assignments = _sync_assignments(session, wanted, scope)
    # Everything is read once up front: a query per task or per track made this O(plan) many round trips.
    rows = session.exec(_within(select(Task, Plan).where(Task.plan_id == Plan.id), col(Task.id), scope)).all()
    stored: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in session.exec(_within(select(Occurrence), col(Occurrence.task_id), scope)).all():
        stored[occurrence.task_id].append(occurrence)
    in_scope = _within(select(Track).where(Track.assignment_id == Assignment.id), col(Assignment.task_id), scope)
    tracks = {(t.assignment_id, t.occurrence_id): t for t in session.exec(in_scope).all()}
    with session.no_autoflush:
        synced = [(task, plan, _sync_occurrences(session, task, now, stored[task.id or 0])) for task, plan in rows]
    session.flush()  # every new occurrence's id at once: a flush per task made a big import slow
    record_all(session, [event for _, _, changed in synced for event in changed.events(now)])
    fresh: list[dict[str, Any]] = []
    with session.no_autoflush:
        for task, plan, changed in synced:
            for assignment in assignments.get(task.id or 0, []):
                unit = units[assignment.unit_id]
                for occurrence in changed.open:
                    track = tracks.get((assignment.id, occurrence.id or 0))
                    new = _sync_track(session, policy, task, plan, unit, assignment, occurrence, track)
                    fresh += [new] if new else []
    session.flush()
    if fresh:  # one bulk insert: an ORM object per new track made a big import slow
        session.connection().execute(insert(Track), fresh)  # Core: the ORM's bulk path costs more per row
    _note_policy(session, policy, now, whole=scope is None)


PLANNED_UNDER = "tracks_planned_under"  # a mark: the fingerprint of the policy every track follows
MIXED = "mixed"  # some tracks follow another policy than the rest: the next roll-over re-plans all


def _note_policy(session: Session, policy: Policy, now: datetime, *, whole: bool) -> None:
    """Mark the policy every track now follows; a partial sync under another policy than the rest
    (an office command run with an edited policy file while the service runs with the old one)
    leaves them mixed, for the next roll-over to re-plan them all."""
    mark = mark_of(session, PLANNED_UNDER)
    if whole and mark != policy.fingerprint:
        set_mark(session, PLANNED_UNDER, policy.fingerprint, now)
    elif not whole and mark not in (None, MIXED, policy.fingerprint):
        set_mark(session, PLANNED_UNDER, MIXED, now)


@dataclass(frozen=True)
class OccurrenceChanges:
    """One task's occurrences after the sync: the open ones, and what the history must record
    (written once every new occurrence has its id)."""

    open: list[Occurrence]
    dated: list[Occurrence]
    closed: list[Occurrence]

    def events(self, now: datetime) -> list[dict[str, Any]]:
        return [event(occurrence, "due", now, due=occurrence.due) for occurrence in self.dated] + [
            event(occurrence, RoundStatus.CANCELLED, now) for occurrence in self.closed
        ]


def _within(query: Any, column: Any, scope: list[int] | None) -> Any:
    """The query limited to the tasks in ``scope`` (None: every task)."""
    return query if scope is None else query.where(column.in_(scope))


def _wanted_assignments(
    session: Session, units: dict[int | None, Unit], scope: list[int] | None
) -> dict[int, dict[int, str]]:
    """task id -> unit id -> role; a lead is never also coordinating; inactive units drop out."""
    members: dict[int, list[int]] = defaultdict(list)
    for m in session.exec(select(GroupMember)).all():
        members[m.group_id].append(m.unit_id)
    wanted: dict[int, dict[int, str]] = defaultdict(dict)
    named = _within(select(TaskUnit).where(col(TaskUnit.unit_id).is_not(None)), col(TaskUnit.task_id), scope)
    refs = session.exec(named.order_by(col(TaskUnit.role).desc()))
    for ref in refs.all():  # "lead" sorts after "coordinating" descending, so leads come first
        unit = units.get(ref.unit_id)
        if unit is None or not unit.active:
            continue
        for unit_id in members.get(unit.id or 0, []) if unit.is_group else [unit.id or 0]:
            if units[unit_id].active:
                wanted[ref.task_id].setdefault(unit_id, ref.role)
    return wanted


@dataclass(frozen=True)
class Assigned:
    """An active assignment, as the track sync reads it (plain values: ORM objects for every
    assignment of a big plan cost more than the sync's own work)."""

    id: int
    unit_id: int
    role: str


def _sync_assignments(
    session: Session, wanted: dict[int, dict[int, str]], scope: list[int] | None
) -> dict[int, list[Assigned]]:
    """The wanted assignments, active, by task (new ones inserted in bulk); the others inactive."""
    columns = sa_select(
        col(Assignment.id),
        col(Assignment.task_id),
        col(Assignment.unit_id),
        col(Assignment.role),
        col(Assignment.active),
    )
    rows = session.execute(_within(columns, col(Assignment.task_id), scope)).all()
    existing = {(row.task_id, row.unit_id, row.role): row for row in rows}
    fresh: list[dict[str, Any]] = []
    revived: list[int] = []
    for task_id, units in wanted.items():
        for unit_id, role in units.items():
            found = existing.pop((task_id, unit_id, role), None)
            if found is None:
                fresh.append({"task_id": task_id, "unit_id": unit_id, "role": role, "active": True})
            elif not found.active:
                revived.append(found.id)
    _set_active(session, revived, True)
    _set_active(session, [row.id for row in existing.values() if row.active], False)
    if fresh:
        session.connection().execute(insert(Assignment), fresh)
    active: dict[int, list[Assigned]] = defaultdict(list)
    query = _within(columns.where(col(Assignment.active).is_(True)), col(Assignment.task_id), scope)
    for row in session.execute(query.order_by(col(Assignment.id))).all():
        active[row.task_id].append(Assigned(row.id, row.unit_id, row.role))
    return active


def _set_active(session: Session, ids: list[int], active: bool) -> None:
    for chunk in chunked(ids, 1000):  # well within every database's limit on bound values
        session.connection().execute(update(Assignment).where(col(Assignment.id).in_(chunk)).values(active=active))


def _sync_occurrences(session: Session, task: Task, now: datetime, rows: list[Occurrence]) -> OccurrenceChanges:
    """The task's open occurrences as its deadline now says. A late occurrence of a recurring task
    stays open beside the next ones until it is done or closed; one that the deadline no longer
    names (the plan was revised, the task archived) is closed, never deleted. Each new deadline
    and each closing goes into the history the periodic report replays."""
    stored = {o.period: o for o in rows}
    periods = wanted_periods(task, vietnam_time(now).date(), [o.period for o in rows if o.status == RoundStatus.OPEN])
    dated: list[Occurrence] = []
    closed: list[Occurrence] = []
    for key, period in periods.items():
        found = stored.get(key)
        occurrence = found or Occurrence(task_id=task.id or 0, period=key)
        if found is None:
            rows.append(occurrence)
        due = occurrence.extended_due or period.due  # an approved extension outranks the plan's words
        if (occurrence.window_start, occurrence.due) != (period.start, due) or occurrence.id is None:
            due_changed = occurrence.id is None or occurrence.due != due
            occurrence.window_start, occurrence.due = period.start, due
            session.add(occurrence)
            if due_changed:
                dated.append(occurrence)
        stored[key] = occurrence
    for key, occurrence in stored.items():
        if key not in periods and occurrence.status == RoundStatus.OPEN:
            occurrence.status = RoundStatus.CANCELLED
            session.add(occurrence)
            closed.append(occurrence)
    return OccurrenceChanges([o for o in stored.values() if o.status == RoundStatus.OPEN], dated, closed)


def wanted_periods(task: Task, today: date, open_keys: Collection[str]) -> dict[str, Period]:
    """The periods a task's open occurrences are to be on ``today``: those its deadline names now,
    and those of ``open_keys`` that are past but not yet done (a late round stays open)."""
    if task.status == TaskStatus.ARCHIVED:
        return {}
    periods = {p.key: p for p in periods_of(task, today)}
    for key in open_keys:
        late = _late_period(task, key, today)
        if late is not None:
            periods.setdefault(key, late)
    return periods


_PERIOD_KEYS = {
    DeadlineKind.MONTHLY: re.compile(r"(\d{4})-(\d{2})"),
    DeadlineKind.QUARTERLY: re.compile(r"(\d{4})-Q([1-4])"),
    DeadlineKind.HALF_YEARLY: re.compile(r"(\d{4})-H([12])"),
    DeadlineKind.YEARLY: re.compile(r"(\d{4})()"),
}


def _late_period(task: Task, key: str, today: date) -> Period | None:
    """The period ``key`` names when it is one of this recurring task's and already past."""
    kind = DeadlineKind(task.deadline_kind)
    pattern = _PERIOD_KEYS.get(kind)
    match = pattern.fullmatch(key) if pattern else None
    if match is None:
        return None
    year, part = int(match.group(1)), int(match.group(2) or 1)
    month = {DeadlineKind.QUARTERLY: 3 * (part - 1) + 1, DeadlineKind.HALF_YEARLY: 6 * (part - 1) + 1}.get(kind, part)
    if not 1 <= month <= 12:
        return None
    period = _period_at(kind, date(year, month, 1), task)
    if period.key != key or period.due is None or period.due >= today:
        return None
    return period


def periods_of(task: Task, today: date) -> list[Period]:
    kind = DeadlineKind(task.deadline_kind)
    if kind is DeadlineKind.UNSPECIFIED:
        return []
    if kind is DeadlineKind.CONTINUOUS:
        return [Period("continuous", task.window_start, None)]
    if kind is DeadlineKind.ONCE:
        return [Period("once", task.window_start, task.due)] if task.due else []
    return _recurring_periods(task, kind, today)


def _recurring_periods(task: Task, kind: DeadlineKind, today: date) -> list[Period]:
    """The current and the next period, never before the first one the plan names."""
    first = task.window_start or (task.due and task.due.replace(day=1))
    if first is None:
        return []
    current = _period_at(kind, max(today, first), task)
    following = _period_at(kind, date.fromordinal(current.due.toordinal() + 1), task) if current.due else None
    return [p for p in (current, following) if p is not None]


def _period_at(kind: DeadlineKind, day: date, task: Task) -> Period:
    if kind is DeadlineKind.MONTHLY:
        start, end = month_bounds(day.year, day.month)
        key = f"{day.year}-{day.month:02d}"
    elif kind is DeadlineKind.QUARTERLY:
        start, end = quarter_bounds(day.year, quarter_of(day))
        key = f"{day.year}-Q{quarter_of(day)}"
    elif kind is DeadlineKind.HALF_YEARLY:
        half = 1 if day.month <= 6 else 2
        start, end = half_bounds(day.year, half)
        key = f"{day.year}-H{half}"
    else:
        start, end = _yearly_window(task, day.year)
        key = str(day.year)
    due = end.replace(day=min(task.due_day, end.day)) if task.due_day else end
    return Period(key, start, due)


def _yearly_window(task: Task, year: int) -> tuple[date, date]:
    """A yearly task keeps the month span of its first occurrence ("Tháng 12 hằng năm")."""
    if task.window_start and task.due and (task.window_start.month, task.due.month) != (1, 12):
        return task.window_start.replace(year=year), month_bounds(year, task.due.month)[1]
    return year_bounds(year)


def _sync_track(
    session: Session,
    policy: Policy,
    task: Task,
    plan: Plan,
    unit: Unit,
    assignment: Assigned,
    occurrence: Occurrence,
    track: Track | None,
) -> dict[str, Any] | None:
    """Bring a stored track's next step up to date; a track still to be made comes back as the
    row to insert."""
    finished = track is not None and track.done_at is not None
    if finished or task.status == TaskStatus.ARCHIVED:
        wanted: tuple[str | None, datetime | None] = (None, None)
    else:
        plot = plot_for(policy, task, plan, assignment.role, occurrence)
        wanted = next_step(plot, policy, track.last_day if track else None, policy.send_time_for(unit.name))
    if track is None:
        return {
            "assignment_id": assignment.id,
            "occurrence_id": occurrence.id or 0,
            "next_step": wanted[0],
            "next_at": wanted[1],
        }
    if (track.next_step, track.next_at) != wanted:
        track.next_step, track.next_at = wanted
        session.add(track)
    return None


def plot_for(policy: Policy, task: Task, plan: Plan, role: str, occurrence: Occurrence) -> Plot:
    return Plot(
        due=occurrence.due,
        window_start=occurrence.window_start,
        rules=policy.rules(role, plan.code, task.key),
        continuous=occurrence.period == "continuous",
        check_in_day=policy.check_in_day,
        since=date(plan.year or task.created_at.year, 1, 1),
    )


def next_step(plot: Plot, policy: Policy, after: date | None, send_time: time) -> tuple[str | None, datetime | None]:
    """The first step after ``after`` (the first of all when None) and when it falls due."""
    for step in steps(plot, policy.calendar, after):
        if after is None or step.day > after:
            return step.name, at_vietnam(step.day, send_time)
    return None, None
