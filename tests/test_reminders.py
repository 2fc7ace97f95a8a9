"""The reminder engine through the command line, on a fixed clock: what each unit receives, once,
at a civil hour; catch-up after an outage; re-planning; done and reopen; recurring occurrences."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE

K = "KH-dan-van-2026:"
VP = "Văn phòng HĐND và UBND xã"
VH = "Phòng Văn hóa - Xã hội"
KT = "Phòng Kinh tế"
HCC = "Trung tâm Phục vụ hành chính công"
SN = "Trung tâm Dịch vụ sự nghiệp công"
LEADERS = "Lãnh đạo UBND xã"
YEAR_END = "2026-12-31"


@pytest.fixture
def imported(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(workdir / "console.jsonl"))
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    return workdir


def _due(capsys: pytest.CaptureFixture[str], at: str) -> dict[tuple[str, str], dict[str, Any]]:
    result = run_cli(capsys, "due", "--at", at, "--json")
    assert result.code == 0, result.err
    return {(d["unit"], d["kind"]): d for d in result.json()}


def _items(digest: dict[str, Any]) -> list[tuple[str, str, str | None, int | None]]:
    return [(i["task_key"].removeprefix(K), i["state"], i["due"], i["working_days"]) for i in digest["items"]]


def _run(capsys: pytest.CaptureFixture[str], at: str) -> str:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err
    return result.out


def _console(workdir: Path) -> list[dict[str, str]]:
    path = workdir / "console.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_sample_plan_at_27_11_2026_0800_what_each_unit_receives(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digests = _due(capsys, "2026-11-27T08:00")
    assert set(digests) == {
        (VP, "reminder"),
        (VH, "reminder"),
        (KT, "reminder"),
        (HCC, "reminder"),
        (SN, "reminder"),
        (LEADERS, "leadership"),
        (VP, "summary"),
        (VH, "summary"),
    }
    year = [
        (k, "window_open", YEAR_END, 24) for k in ("2.2", "2.3", "3.1", "3.3", "3.3.a", "3.3.c", "4.1", "4.7", "5.2")
    ]
    assert _items(digests[(VH, "reminder")]) == [
        ("1.2#2", "overdue", "2026-03-10", -181),
        ("4.8", "overdue", "2026-03-31", -166),
        *year,
        ("1.1", "check_in", None, None),
    ]
    assert _items(digests[(VP, "reminder")]) == [
        ("3.3.b", "overdue", "2026-02-28", -187),
        *[(k, "window_open", YEAR_END, 24) for k in ("4.3", "4.4", "4.5", "4.6")],
        ("1.2", "check_in", None, None),
    ]
    assert _items(digests[(KT, "reminder")]) == [
        *[(k, "window_open", YEAR_END, 24) for k in ("3.2", "3.3.d", "4.2")],
        ("2.1", "check_in", None, None),
    ]
    assert _items(digests[(HCC, "reminder")]) == [("4.2", "window_open", YEAR_END, 24), ("4.9", "check_in", None, None)]
    assert _items(digests[(SN, "reminder")]) == [("3.3.d", "window_open", YEAR_END, 24)]
    leaders = digests[(LEADERS, "leadership")]
    assert leaders["role"] == "leadership"
    assert [(i["task_key"].removeprefix(K), i["state"], i["unit"]) for i in leaders["items"]] == [
        ("3.3.b", "escalation", VP),
        ("1.2#2", "escalation", VH),
        ("4.8", "escalation", VH),
    ]
    assert digests[(VH, "reminder")]["role"] == "lead"
    assert digests[(VP, "summary")]["role"] == "office"
    assert all(d["send_at"] == "2026-11-27T01:00:00+00:00" for d in digests.values())


def test_preview_writes_nothing(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = _due(capsys, "2026-11-27T08:00")
    assert _due(capsys, "2026-11-27T08:00") == first
    assert run_cli(capsys, "log", "--json").json() == []


def test_each_digest_goes_out_once_and_a_second_run_sends_nothing(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _run(capsys, "2026-11-27T08:00")
    assert "[Nhắc việc] Phòng Văn hóa - Xã hội — 27/11/2026" in out
    assert "Quá hạn (2):" in out and "quá hạn 181 ngày làm việc" in out
    log = run_cli(capsys, "log", "--json").json()
    assert len(log) == 8
    assert {(r["unit"], r["channel"], r["status"], r["attempts"]) for r in log} >= {(VH, "console", "sent", 1)}
    assert all(r["status"] == "sent" and r["acks"] == [] and r["error"] is None for r in log)
    vh = next(r for r in log if r["unit"] == VH and r["kind"] == "reminder")
    assert vh["items"][:2] == [f"{K}1.2#2", f"{K}4.8"] and len(vh["items"]) == 12
    assert _run(capsys, "2026-11-27T08:00").strip() == ""
    assert _run(capsys, "2026-11-27T10:00").strip() == ""
    assert len(run_cli(capsys, "log", "--json").json()) == 8
    assert Counter(m["key"] for m in _console(imported)).most_common(1)[0][1] == 1


def test_nothing_goes_out_outside_office_hours(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "2026-11-27T18:30").strip() == ""
    assert _run(capsys, "2026-11-28T09:00").strip() == ""  # Saturday
    assert run_cli(capsys, "log", "--json").json() == []
    out = _run(capsys, "2026-11-30T08:00")  # Monday: the waiting digests go, once
    assert out.count("[Nhắc việc] Phòng Văn hóa - Xã hội — 30/11/2026") == 1
    units = Counter(r["unit"] for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder")
    assert units == Counter({VP: 1, VH: 1, KT: 1, HCC: 1, SN: 1})


def test_catch_up_after_a_10_day_outage_is_one_digest_per_unit(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "2026-11-27T08:00")
    digests = _due(capsys, "2026-12-11T08:00")  # 10 working days later, nothing ran in between
    vh = _items(digests[(VH, "reminder")])
    keys = [k for k, *_ in vh]
    assert len(keys) == len(set(keys))  # one line per task, not one per missed step
    assert ("1.2#2", "overdue", "2026-03-10", -191) in vh
    assert ("2.3", "upcoming", YEAR_END, 14) in vh  # the 14-working-day step, today
    assert ("1.1", "check_in", None, None) in vh  # December's check-in, missed on 1/12
    assert (LEADERS, "leadership") not in digests  # escalations were sent once, on 27/11
    assert (VP, "summary") in digests  # a new week


def test_the_weekly_summary_goes_once_a_week(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "2026-11-27T08:00")
    _run(capsys, "2026-11-27T09:00")
    _run(capsys, "2026-11-30T08:00")
    _run(capsys, "2026-12-01T08:00")
    summaries = [r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "summary"]
    assert Counter((r["unit"], r["digest"].split(":")[2]) for r in summaries) == Counter(
        {(VP, "2026-11-27"): 1, (VH, "2026-11-27"): 1, (VP, "2026-11-30"): 1, (VH, "2026-11-30"): 1}
    )


def test_a_changed_deadline_replans_pending_steps(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "2026-11-27T08:00")
    assert run_cli(capsys, "tasks", "set-due", f"{K}2.3", "4/12/2026").code == 0
    assert run_cli(capsys, "tasks", "set-due", f"{K}4.8", "15/12/2026").code == 0
    on_tuesday = _items(_due(capsys, "2026-12-01T08:00")[(VH, "reminder")])
    assert ("2.3", "upcoming", "2026-12-04", 3) in on_tuesday
    assert not [i for i in on_tuesday if i[0] == "4.8"]  # no longer overdue
    _run(capsys, "2026-12-01T08:00")
    assert not [
        i for i in _items(_due(capsys, "2026-12-01T09:00").get((VH, "reminder"), {"items": []})) if i[0] == "2.3"
    ]  # the step went out; not again the same day
    on_due_day = _items(_due(capsys, "2026-12-04T08:00")[(VH, "reminder")])
    assert ("2.3", "due_today", "2026-12-04", 0) in on_due_day


def test_done_stops_reminders_and_reopen_resumes_them(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "done", f"{K}1.2#2")
    assert result.code == 0 and "đã hoàn thành" in result.out
    vh = _items(_due(capsys, "2026-11-27T08:00")[(VH, "reminder")])
    assert "1.2#2" not in [k for k, *_ in vh]
    leaders = _due(capsys, "2026-11-27T08:00")[(LEADERS, "leadership")]
    assert [i["task_key"] for i in leaders["items"]] == [f"{K}3.3.b", f"{K}4.8"]
    task = next(t for t in run_cli(capsys, "tasks", "--json").json() if t["key"] == f"{K}1.2#2")
    assert task["status"] == "done"
    assert run_cli(capsys, "reopen", f"{K}1.2#2").code == 0
    vh = _items(_due(capsys, "2026-11-27T08:00")[(VH, "reminder")])
    assert ("1.2#2", "overdue", "2026-03-10", -181) in vh
    assert run_cli(capsys, "reopen", f"{K}1.2#2").code == 2


def test_a_unit_reporting_its_part_done_leaves_the_other_lead_reminded(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "done", f"{K}4.2", "--unit", HCC).code == 0
    digests = _due(capsys, "2026-11-27T08:00")
    assert "4.2" not in [k for k, *_ in _items(digests[(HCC, "reminder")])]
    assert "4.2" in [k for k, *_ in _items(digests[(KT, "reminder")])]
    assert run_cli(capsys, "done", f"{K}4.2", "--unit", "Ủy ban Bầu cử xã").code == 2


def test_each_yearly_occurrence_has_its_own_steps(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "done", f"{K}2.2").code == 0  # the 2026 round
    this_year = _items(_due(capsys, "2026-12-31T08:00")[(VH, "reminder")])
    assert "2.2" not in [k for k, *_ in this_year]
    next_year = _items(_due(capsys, "2027-12-31T08:00")[(VH, "reminder")])
    assert ("2.2", "due_today", "2027-12-31", 0) in next_year


def test_status_reports_counts_and_no_daemon(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "2026-11-27T08:00")
    status = run_cli(capsys, "status", "--json").json()
    assert status["daemon"]["alive"] is False
    assert status["deliveries"] == {"sent": 8}
    assert status["digests_waiting"] == 0
    assert status["failing_links"] == []
    assert status["next_step_at"] is not None


def test_log_filters_by_unit_and_date(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "2026-11-27T08:00")
    mine = run_cli(capsys, "log", "--unit", "phòng kinh tế", "--json").json()
    assert [r["unit"] for r in mine] == [KT]
    assert set(mine[0]) >= {
        "id",
        "unit",
        "channel",
        "target",
        "status",
        "created_at",
        "sent_at",
        "attempts",
        "error",
        "items",
        "acks",
    }
    assert run_cli(capsys, "log", "--since", "28/11/2026", "--json").json() == []


def test_a_track_that_fails_does_not_stop_the_others(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier.schedule import scan as scan_module

    real = scan_module.plot_for

    def broken_for_one_task(policy: Any, task: Any, *args: Any) -> Any:
        if task.key == f"{K}4.8":
            raise ValueError("corrupt row")
        return real(policy, task, *args)

    monkeypatch.setattr(scan_module, "plot_for", broken_for_one_task)
    _run(capsys, "2026-11-27T08:00")
    log = run_cli(capsys, "log", "--json").json()
    vh = next(r for r in log if r["unit"] == VH and r["kind"] == "reminder")
    assert f"{K}4.8" not in vh["items"] and f"{K}1.2#2" in vh["items"]
    assert len(log) == 8
    monkeypatch.setattr(scan_module, "plot_for", real)
    later = _items(_due(capsys, "2026-11-27T09:05")[(VH, "reminder")])  # pushed back one hour, then it goes
    assert [k for k, *_ in later] == ["4.8"]


def test_a_track_that_clashes_with_another_replica_joins_its_digest_on_the_next_tick(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from notifier.schedule.digests import DigestBook

    real, calls = DigestBook.digest_for, Counter[str]()

    def deadlocked(book: DigestBook, unit: Any, kind: str) -> Any:
        calls[unit.name] += 1
        if unit.name == VH and calls[unit.name] <= 2:  # PostgreSQL broke a deadlock with another scan,
            raise OperationalError("INSERT INTO digest …", {}, Exception("deadlock detected"))
        return real(book, unit, kind)  # in the batch's write, then in its first track's own

    monkeypatch.setattr(DigestBook, "digest_for", deadlocked)
    _run(capsys, "2026-11-27T08:00")
    sent = {r["unit"] for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder"}
    assert VP in sent and VH not in sent  # the others' mornings went; VH's waits for its track
    _run(capsys, "2026-11-27T08:00")  # the next tick
    vh = next(r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder")
    assert {f"{K}4.8", f"{K}1.2#2"} <= set(vh["items"])  # one digest, nothing put off


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("send_time: '8h'\n", "send_time: giờ «8h» không hợp lệ"),
        ("lead:\n  before_working_days: [14, -1]\n", "lead.before_working_days"),
        ("weekly_summary:\n  weekday: sunday\n", "weekly_summary.weekday"),
        ("calendar:\n  days_off: [31/12/2026]\n", "calendar.days_off"),
        ("- just a list\n", "cần một bảng khóa - giá trị"),
        ("periodic_report:\n  periods: [week]\n", "periodic_report.periods"),
        ("periodic_report:\n  deadline_day: 40\n", "periodic_report.deadline_day"),
        ("periodic_report:\n  working_days_before: -1\n", "periodic_report.working_days_before"),
        ("extensions:\n  decided_by: chairman\n", "extensions.decided_by: «chairman» không hợp lệ"),
        ("extensions:\n  decided_by: leadership\n", "«leadership» cần leadership_unit"),
        ("extensions:\n  max_per_task: 0\n", "extensions.max_per_task"),
        ("explanations:\n  answer_within_working_days: 0\n", "explanations.answer_within_working_days"),
        ("follow_up:\n  after_working_hours: -1\n", "follow_up.after_working_hours"),
        ("follow_up:\n  order: [fax]\n", "follow_up.order"),
        ("follow_up:\n  kinds: [summary]\n", "follow_up.kinds"),
        # An override is checked when the file is read, not when a task of that plan is first due.
        (
            "plans:\n  KH-dan-van-2026:\n    lead:\n      before_working_days: [0]\n",
            "plans.KH-dan-van-2026.lead.before_working_days: cần danh sách số ngày làm việc dương",
        ),
        ("tasks:\n  x:\n    coordinating:\n      on_due_day: maybe\n", "tasks.x.coordinating.on_due_day"),
    ],
)
def test_a_bad_policy_file_is_refused_by_name_and_field(
    imported: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    (imported / "config" / "policy.yaml").write_text(text, encoding="utf-8")
    result = run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00")
    assert result.code == 2
    assert "policy.yaml" in result.err and message in result.err
    assert run_cli(capsys, "log", "--json").json() == []


def test_digests_name_the_plan_only_while_several_are_open(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import REAL_PLANS

    console = workdir / "console.jsonl"
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(console))
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    # A second plan (its units are not the commune's, so only the sample's tasks are reminded).
    assert run_cli(capsys, "import", str(REAL_PLANS / "01_dongthap-617-cds-doanh-nghiep.txt")).code == 0
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    texts = [json.loads(line)["text"] for line in console.read_text(encoding="utf-8").splitlines()]
    items = [line for t in texts for line in t.splitlines() if re.match(r"- [\w.]+\. ", line)]
    assert items and all(line.endswith("— kế hoạch KH-dan-van-2026") for line in items), items
    assert run_cli(capsys, "plans", "remove", "617-KH-UBND-2025").code == 0
    console.write_text("", encoding="utf-8")
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-30T08:00").code == 0
    again = [json.loads(line)["text"] for line in console.read_text(encoding="utf-8").splitlines()]
    assert again and not any("— kế hoạch" in t for t in again)


def test_a_digest_waits_while_a_due_track_may_still_join_it_but_not_for_ever(imported: Path) -> None:
    """With replicas, one may seal while another still scans: a unit's digest waits for its own due
    tracks (an escalation for any), at most SCAN_WAIT."""
    from sqlmodel import Session, select

    from notifier.clock import parse_vietnam_time
    from notifier.db.engine import open_database
    from notifier.delivery.dispatch import SCAN_WAIT, seal_due_digests
    from notifier.schedule.models import Assignment, Digest, Track
    from notifier.schedule.planner import sync_tracks
    from notifier.schedule.policy import load_policy
    from notifier.schedule.scan import scan
    from notifier.settings import load_settings
    from notifier.units.models import Unit

    settings = load_settings()
    engine, policy, now = (
        open_database(settings),
        load_policy(settings.policy_file),
        parse_vietnam_time("2026-11-27T08:00"),
    )
    with Session(engine) as session:
        sync_tracks(session, policy, now)
        session.commit()
    scan(engine, policy, now)

    def another_replica_has_not_reached_one_of(unit_name: str) -> None:
        with Session(engine) as session:
            track = session.exec(
                select(Track).where(
                    Track.assignment_id == Assignment.id, Assignment.unit_id == Unit.id, Unit.name == unit_name
                )
            ).first()
            assert track is not None
            track.next_at = now
            session.add(track)
            session.commit()

    def open_digests() -> set[tuple[str, str]]:
        with Session(engine) as session:
            rows = session.exec(
                select(Unit.name, Digest.kind).where(Digest.unit_id == Unit.id, Digest.status == "open")
            )
            return set(rows.all())

    def seal(at: Any) -> None:
        seal_due_digests(engine, at, lambda session, unit: [("console", unit.name)], policy)

    another_replica_has_not_reached_one_of(VH)
    seal(now)
    assert open_digests() == {(VH, "reminder"), (LEADERS, "leadership")}  # the others went
    seal(now + SCAN_WAIT - timedelta(minutes=1))
    assert open_digests() == {(VH, "reminder"), (LEADERS, "leadership")}
    seal(now + SCAN_WAIT)  # a track that keeps failing holds nobody's morning for longer
    assert open_digests() == set()
