"""The engine run day by day across two years, with a unit reporting done, the office confirming,
reopening, moving dates and re-importing at random, and its promises checked after every day:

- every open occurrence past its due date is in an overdue digest within
  ``overdue_every_working_days`` working days (for each lead unit still on it);
- each gets exactly one escalation;
- nothing is cancelled unless the office archived the task;
- no reminder step goes out twice;
- nothing goes out on a non-working day or outside office hours;
- every item's ``working_days`` matches an independent count on the Vietnamese calendar.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import holidays
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import VIETNAM, Clock, at_vietnam, install, vietnam_time
from notifier.delivery.models import Delivery
from notifier.plans.editing import set_due
from notifier.plans.importer import ImportOptions
from notifier.plans.models import Task
from notifier.plans.periods import ReportPeriod, parse_period
from notifier.reports.periodic import PeriodReport, period_report
from notifier.runtime import Runtime, build_runtime, run_pass, sync_all_tracks
from notifier.schedule.digest_view import digest_view
from notifier.schedule.models import Assignment, Digest, Occurrence, Reminder, Track
from notifier.schedule.planner import sync_tracks
from notifier.schedule.progress import complete, reopen
from notifier.settings import Settings
from notifier.units.models import Unit
from tests.conftest import SAMPLE

FIRST, LAST = date(2026, 1, 1), date.fromisoformat(os.environ.get("SIM_LAST", "2027-12-31"))
EVERY, ESCALATE = 3, 5  # config/policy.yaml: overdue_every_working_days, escalate_after_working_days
OPENS, CLOSES = time(7, 30), time(17, 0)
GENERATED = """TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành
1;Việc một lần;Phòng Văn hóa - Xã hội;Phòng Kinh tế;Hoàn thành trước ngày 10/3/2026
2;Việc trong quý;Phòng Kinh tế, Văn phòng HĐND và UBND xã;;Quý II/2026
3;Việc hằng năm;Phòng Văn hóa - Xã hội;;Hằng năm
4;Việc nửa năm;Trung tâm Phục vụ hành chính công;Phòng Kinh tế;Định kỳ 6 tháng
5;Việc hằng quý;Phòng Kinh tế;Phòng Văn hóa - Xã hội;Hằng quý
6;Việc hằng tháng;Văn phòng HĐND và UBND xã;;Trước ngày 15 hằng tháng
7;Việc thường xuyên;Trung tâm Dịch vụ sự nghiệp công;;Thường xuyên
8;Việc chưa có hạn;Phòng Kinh tế;;Theo công văn chỉ đạo các cấp
9;Việc văn phòng đặt hạn;Phòng Văn hóa - Xã hội;;Khi có phát sinh
"""


class VietnameseCalendar:
    """An independent count of working days: Monday to Friday minus Vietnam's public holidays."""

    def __init__(self) -> None:
        self.off = set(holidays.country_holidays("VN", years=range(2025, 2030)))

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.off

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to ``end``; counted back (negative) when ``end`` is earlier."""
        if start <= end:
            return sum(self.working(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
        return -sum(self.working(end + timedelta(days=n)) for n in range((start - end).days))

    def back(self, day: date, count: int) -> date:
        while count:
            day -= timedelta(days=1)
            count -= self.working(day)
        return day


@dataclass
class World:
    engine: Engine
    settings: Settings
    runtime: Runtime
    plans: list[tuple[Path, str | None]]
    rng: random.Random
    calendar: VietnameseCalendar = field(default_factory=VietnameseCalendar)
    fresh: dict[int, date] = field(default_factory=dict)  # task id -> reopened or re-dated that day
    actions: Counter[str] = field(default_factory=Counter)
    steps: set[tuple[object, ...]] = field(default_factory=set)
    seen_reminder: int = 0
    delivered: set[tuple[int, str, str]] = field(default_factory=set)
    seen_delivery: int = 0
    reports: dict[str, dict[str, object]] = field(default_factory=dict)  # period -> report as first made


@pytest.fixture
def world(settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    if engine.dialect.name != "sqlite":
        pytest.skip("the two-year simulation runs on the default database")
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(tmp_path / "console.jsonl"))
    generated = tmp_path / "sinh-ra.csv"
    generated.write_text(GENERATED, encoding="utf-8")
    settings = settings.model_copy(update={"console_file": tmp_path / "console.jsonl"})
    install(Clock(at_vietnam(FIRST, time(7, 0))))
    runtime = build_runtime(settings, engine, Clock(at_vietnam(FIRST, time(7, 0))))
    actions.plans.import_plan(runtime.office, SAMPLE, ImportOptions())
    actions.plans.import_plan(runtime.office, generated, ImportOptions(plan_code="SINH", year=2026))
    return World(engine, settings, runtime, [(SAMPLE, None), (generated, "SINH")], random.Random(20261130))


def _moment(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=VIETNAM)


def _pass(world: World, moment: datetime) -> None:
    install(Clock(moment))
    asyncio.run(run_pass(world.runtime, moment))


def _office_acts(world: World, day: date) -> None:
    """Random things units and the office do during the day, each through the engine's own rules."""
    moment = _moment(day, time(10, 0))
    install(Clock(moment))
    before = sum(world.actions.values())
    office = Office(world.engine, world.settings, world.runtime.policy, lambda: moment)
    with Session(world.engine) as session:
        roll = world.rng.random()
        if roll < 0.2:  # units finish most of their work, some of it late
            _report_done(world, session, moment)
        elif roll < 0.24:
            _reopen(world, session, day)
        elif roll < 0.27:
            _move_date(world, session, day)
        session.commit()
    if 0.27 <= roll < 0.45:
        _acknowledge(world, office)
    if world.rng.random() < 0.02:
        world.actions["reimport"] += 1
        path, code = world.rng.choice(world.plans)
        actions.plans.import_plan(office, path, ImportOptions(plan_code=code, year=2026))
    if sum(world.actions.values()) != before:
        with Session(world.engine) as session:  # as a change that names no task does
            sync_tracks(session, world.runtime.policy, moment)
            session.commit()


def _report_done(world: World, session: Session, moment: datetime) -> None:
    rows = session.exec(
        select(Occurrence, Assignment, Unit)
        .where(Occurrence.status == "open", Assignment.task_id == Occurrence.task_id, Assignment.unit_id == Unit.id)
        .where(Assignment.role == "lead", col(Assignment.active).is_(True))
        .order_by(col(Occurrence.id), col(Assignment.id))
    ).all()
    if rows:
        occurrence, _, unit = world.rng.choice(rows)
        whole = world.rng.random() < 0.3
        complete(session, occurrence, moment, unit=None if whole else unit, by="mô phỏng", confirmed=whole)
        world.actions["done (office)" if whole else "done (unit)"] += 1


def _reopen(world: World, session: Session, day: date) -> None:
    finished = session.exec(
        select(Occurrence, Task)
        .where(col(Occurrence.status).in_(("done", "reported")), Task.id == Occurrence.task_id)
        .order_by(col(Occurrence.id))
    ).all()
    if finished:
        occurrence, task = world.rng.choice(finished)
        if occurrence.period in ("once", "continuous") or occurrence.status == "reported":
            reopen(session, task.key, _moment(day, time(10, 0)))
            world.fresh[task.id or 0] = day
            world.actions["reopen"] += 1


def _move_date(world: World, session: Session, day: date) -> None:
    tasks = session.exec(
        select(Task).where(col(Task.deadline_kind).in_(("once", "unspecified")), Task.status == "open")
    ).all()
    if tasks:
        task = world.rng.choice(sorted(tasks, key=lambda t: t.key))
        new = day + timedelta(days=world.rng.randint(-20, 60))
        set_due(session, task.key, new, today=day)
        world.fresh[task.id or 0] = day
        world.actions["set-due"] += 1


def _acknowledge(world: World, office: Office) -> None:
    """An email recipient follows their link: the acknowledgement action, as the web page calls it."""
    with Session(world.engine) as session:
        sent = session.exec(select(Delivery.id).where(Delivery.status == "sent").order_by(col(Delivery.id))).all()
    if sent:
        actions.answers.confirm_by_link(office, world.rng.choice(sent[-20:]) or 0, "127.0.0.1")
        world.actions["ack"] += 1


# -- the checks -------------------------------------------------------------------------------


def _check_day(world: World, day: date) -> None:
    with Session(world.engine) as session:
        _check_overdue_reminded_and_escalated(world, session, day)
        _check_nothing_cancelled(session)
        _check_no_step_twice(world, session)
        _check_sent_on_working_hours(world, session, day)
        _check_working_days(world, session, day)


def _check_overdue_reminded_and_escalated(world: World, session: Session, day: date) -> None:
    rows = session.exec(
        select(Track, Occurrence, Task)
        .where(Track.occurrence_id == Occurrence.id, Track.assignment_id == Assignment.id)
        .where(Assignment.task_id == Task.id, Assignment.role == "lead", col(Assignment.active).is_(True))
        .where(Occurrence.status == "open", Task.status == "open", col(Track.done_at).is_(None))
        .where(col(Occurrence.due).is_not(None), col(Occurrence.due) < day)
    ).all()
    by_track: dict[int, list[Reminder]] = {}
    tracks = [track.id for track, _, _ in rows]
    for reminder in session.exec(select(Reminder).where(col(Reminder.track_id).in_(tracks))).all():
        by_track.setdefault(reminder.track_id or 0, []).append(reminder)
    for track, occurrence, task in rows:
        assert occurrence.due is not None
        since = max(occurrence.due, world.fresh.get(task.id or 0, occurrence.due))
        owed = world.calendar.between(since, day)
        reminders = by_track.get(track.id or 0, [])
        current = [r for r in reminders if r.due == occurrence.due]
        where = f"{task.key} ({occurrence.period}) track {track.id} on {day}"
        if owed >= EVERY:
            window = world.calendar.back(day, EVERY)
            recent = [r for r in current if r.state == "overdue" and vietnam_time(r.created_at).date() >= window]
            history = [(r.step, r.state, r.due, vietnam_time(r.created_at).date()) for r in reminders]
            assert recent, f"no overdue reminder in the last {EVERY} working days: {where}: {history}"
        escalations = [r for r in reminders if r.state == "escalation" and r.due == occurrence.due]
        assert len({r.key for r in escalations if ":snooze:" not in r.key}) <= 1, where
        if world.calendar.between(occurrence.due, day) > ESCALATE and owed >= 1:
            assert escalations, f"no escalation: {where}"


def _check_nothing_cancelled(session: Session) -> None:
    cancelled = session.exec(
        select(Occurrence, Task).where(Occurrence.status == "cancelled", Task.id == Occurrence.task_id)
    ).all()
    assert [(t.key, o.period) for o, t in cancelled if t.status != "archived"] == []


def _check_no_step_twice(world: World, session: Session) -> None:
    """Each step of a track (for one due date) is emitted once; each digest reaches a target once."""
    reminders = session.exec(select(Reminder).where(col(Reminder.id) > world.seen_reminder)).all()
    for r in reminders:
        world.seen_reminder = max(world.seen_reminder, r.id or 0)
        if r.track_id is None or r.step == "on_demand" or r.step.endswith(":snooze"):
            continue
        step = (r.track_id, r.occurrence_id, r.due, r.step, r.state)
        assert step not in world.steps, f"step emitted twice: {step}"
        world.steps.add(step)
    for d in session.exec(select(Delivery).where(Delivery.status == "sent", col(Delivery.id) > world.seen_delivery)):
        world.seen_delivery = max(world.seen_delivery, d.id or 0)
        assert (d.digest_id, d.channel, d.target) not in world.delivered, f"a digest reached {d.target} twice"
        world.delivered.add((d.digest_id, d.channel, d.target))


def _check_sent_on_working_hours(world: World, session: Session, day: date) -> None:
    start = _moment(day, time(0, 0))
    for delivery in session.exec(select(Delivery).where(col(Delivery.sent_at) >= start)).all():
        assert delivery.sent_at is not None
        local = vietnam_time(delivery.sent_at)
        assert world.calendar.working(local.date()), f"sent on a day off: {local}"
        digest = session.get_one(Digest, delivery.digest_id)
        assert OPENS <= local.time() < CLOSES, f"sent outside office hours: {local}: {delivery} {digest}"


def _check_working_days(world: World, session: Session, day: date) -> None:
    start = _moment(day, time(0, 0))
    digests = session.exec(
        select(Digest).where(col(Digest.send_at) >= start, Digest.kind != "summary", Digest.status != "open")
    ).all()
    for digest in digests:
        view = digest_view(session, digest, world.runtime.policy.calendar)
        send_day = vietnam_time(digest.send_at).date()
        for item in view.items:
            if item.due is not None:
                assert item.working_days == world.calendar.between(send_day, item.due), (item, send_day)


def _report_at_period_end(world: World, day: date) -> None:
    """On the last day of each month, quarter, half and year: the report, replayed from history,
    agrees with the rows as they stand that evening."""
    if (day + timedelta(days=1)).day != 1:
        return
    moment = _moment(day, time(23, 59))
    codes = [f"{day.year}-{day.month:02d}"]
    codes += [f"{day.year}-Q{(day.month - 1) // 3 + 1}"] if day.month % 3 == 0 else []
    codes += [f"{day.year}-H{day.month // 6}"] if day.month % 6 == 0 else []
    codes += [str(day.year)] if day.month == 12 else []
    with Session(world.engine) as session:
        for code in codes:
            report = period_report(session, parse_period(code), moment)
            assert _bucket_counts(report) == _counts_from_rows(session, parse_period(code)), code
            world.reports[code] = report.json()


def _bucket_counts(report: PeriodReport) -> Counter[tuple[str, str, str]]:
    return Counter((i.key, i.unit, i.bucket) for i in report.items)


def _counts_from_rows(session: Session, period: ReportPeriod) -> Counter[tuple[str, str, str]]:
    """The four counts from the rows as they stand on the period's last evening, written plainly."""
    found: Counter[tuple[str, str, str]] = Counter()
    dated = set()
    rows = session.exec(select(Occurrence, Task).where(Occurrence.task_id == Task.id, Task.status != "archived"))
    for occurrence, task in rows.all():
        if occurrence.status == "cancelled":
            continue
        dated.add(task.id)
        starts = occurrence.window_start or occurrence.due
        if occurrence.period not in ("once", "continuous") and starts is not None and starts > period.end:
            continue
        leads = session.exec(
            select(Track, Unit)
            .where(Track.occurrence_id == occurrence.id, Track.assignment_id == Assignment.id)
            .where(Assignment.role == "lead", Assignment.unit_id == Unit.id)
        ).all()
        for track, unit in leads:
            bucket = _plain_bucket(occurrence, track, period)
            if bucket:
                found[(task.key, unit.name, bucket)] += 1
    for task in session.exec(select(Task).where(Task.status != "archived")).all():
        if task.id not in dated:
            leads_now = session.exec(
                select(Unit).where(Assignment.task_id == task.id, Assignment.unit_id == Unit.id)
                .where(Assignment.role == "lead", col(Assignment.active).is_(True))
            ).all()
            found.update((task.key, unit.name, "no_deadline") for unit in leads_now)
    return found


def _plain_bucket(occurrence: Occurrence, track: Track, period: ReportPeriod) -> str | None:
    finished = occurrence.done_at if occurrence.status in ("done", "reported") else None
    moments = [m for m in (track.done_at, finished) if m is not None]
    if moments:
        done_on = vietnam_time(min(moments)).date()
        if done_on < period.start:
            return None
        return "done_late" if occurrence.due and done_on > occurrence.due else "done_on_time"
    if occurrence.period == "continuous":
        return "continuous"
    if occurrence.due is None:
        return "no_deadline"
    return "overdue" if occurrence.due < period.end else "in_progress"


def _check_reports_unchanged(world: World, moment: datetime) -> None:
    """Every period's report asked for again at the very end gives the same figures, whatever
    happened since (reopenings, new dates, re-imports)."""
    assert len(world.reports) >= 10  # months, quarters, halves and years
    seen = {item["status"] for report in world.reports.values() for item in report["items"]}  # type: ignore[attr-defined]
    assert seen == {"done_on_time", "done_late", "in_progress", "overdue", "continuous", "no_deadline"}
    with Session(world.engine) as session:
        for code, first in world.reports.items():
            assert period_report(session, parse_period(code), moment).json() == first, code


def test_two_years_day_by_day_keep_every_promise(world: World) -> None:
    day, checked, off_hours = FIRST, 0, 0
    while day <= LAST:
        odd = world.rng.choice([time(6, 0), time(12, 30), time(19, 45)]) if world.rng.random() < 0.15 else None
        if odd is not None and (odd < time(8, 0) or not world.calendar.working(day)):
            _pass(world, _moment(day, odd))  # the service also wakes at odd hours and on days off
            off_hours += 1
        if world.calendar.working(day):
            sync_all_tracks(world.runtime, _moment(day, time(0, 5)))  # the daemon's daily re-sync
            if world.rng.random() < 0.03:
                _pass(world, _moment(day, time(19, 45)))  # down all day, back at night: holds till the morning
                off_hours += 1
                _check_day(world, day)
                checked += 1
                day += timedelta(days=1)
                continue
            _pass(world, _moment(day, time(8, 0)))
            _office_acts(world, day)
            if odd is not None:
                _pass(world, _moment(day, odd))
                off_hours += 1
        _check_day(world, day)
        _report_at_period_end(world, day)
        checked += 1
        day += timedelta(days=1)
    _check_reports_unchanged(world, _moment(LAST, time(23, 59)))
    with Session(world.engine) as session:
        sent = session.exec(select(Delivery).where(Delivery.status == "sent")).all()
        overdue = session.exec(select(Reminder).where(Reminder.state == "overdue")).all()
        escalations = session.exec(select(Reminder).where(Reminder.state == "escalation")).all()
    print(
        f"\nsimulated {checked} days, {off_hours} off-hour passes, {len(sent)} deliveries, "
        f"{len(overdue)} overdue items, {len(escalations)} escalations; actions: {dict(world.actions)}"
    )
    assert len(sent) > 300 and len(overdue) > 100 and len(escalations) > 10
    assert world.actions["done (unit)"] and world.actions["reopen"] and world.actions["set-due"]
