"""The engine's rules on dates nobody tried before: late recurring occurrences stay open, one rule
for completion whatever the door, links to channels not configured are visible problems, the
office's alias wins, continuous tasks are their own category."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from notifier.schedule.calendar import WorkingCalendar
from notifier.web.status import task_states
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_telegram import FakeTelegram, person
from tests.processes import notifier

K = "KH-dan-van-2026:"
VH = "Phòng Văn hóa - Xã hội"
KT = "Phòng Kinh tế"
LEADERS = "Lãnh đạo UBND xã"
VH_CHAT, KT_CHAT = -1001, -1004
ALICE, BOB = person(501, "Nguyễn Văn A", "nva"), person(502, "Trần Thị B")

RECURRING = """TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành
1;Báo cáo quý;Phòng Văn hóa - Xã hội;Phòng Kinh tế;Hằng quý
2;Báo cáo tháng;Phòng Kinh tế;;Trước ngày 15 hằng tháng
3;Rà soát chung;Phòng Văn hóa - Xã hội, Phòng Kinh tế;;Hoàn thành trước ngày 1/12/2026
"""


@pytest.fixture
def recurring(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(workdir / "console.jsonl"))
    path = workdir / "dinh-ky.csv"
    path.write_text(RECURRING, encoding="utf-8")
    result = run_cli(capsys, "--now", "2026-01-05T08:00", "import", str(path), "--year", "2026", "--plan", "DK")
    assert result.code == 0, result.err
    return workdir


def _due(capsys: pytest.CaptureFixture[str], at: str) -> dict[tuple[str, str], dict[str, Any]]:
    result = run_cli(capsys, "due", "--at", at, "--json")
    assert result.code == 0, result.err
    return {(d["unit"], d["kind"]): d for d in result.json()}


def _items(digest: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    return [(i["task_key"], i["state"], i["due"], i["period"]) for i in digest["items"]]


def _console(workdir: Path) -> list[dict[str, Any]]:
    path = workdir / "console.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# -- late recurring occurrences ---------------------------------------------------------------


def test_a_late_quarter_stays_open_beside_the_next_one_labelled_by_period(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digests = _due(capsys, "2026-04-10T08:00")
    items = _items(digests[(VH, "reminder")])
    assert ("DK:1", "overdue", "2026-03-31", "Quý I/2026") in items
    assert ("DK:1", "window_open", "2026-06-30", "Quý II/2026") in items
    escalations = _items(digests[(LEADERS, "leadership")])
    assert ("DK:1", "escalation", "2026-03-31", "Quý I/2026") in escalations


def test_a_late_quarter_is_reminded_every_three_working_days_and_escalated_once(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for day in ("2026-04-01", "2026-04-03", "2026-04-06", "2026-04-07", "2026-04-08", "2026-04-09", "2026-04-10"):
        assert run_cli(capsys, "run", "--once", "--now", f"{day}T08:00").code == 0
    log = run_cli(capsys, "log", "--json").json()
    late = [(r["unit"], r["created_at"][:10]) for r in log if any(k == "DK:1" for k in r["items"])]
    assert (VH, "2026-04-03") in late  # overdue_1: three working days after 31/03
    assert (VH, "2026-04-08") in late  # overdue_2
    assert Counter(unit for unit, _ in late)[LEADERS] == 1
    tasks = {t["key"]: t for t in run_cli(capsys, "tasks", "--json").json()}
    assert tasks["DK:1"]["status"] == "open"


def test_finishing_the_late_quarter_leaves_the_next_one_running(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "--now", "2026-04-10T08:00", "done", "DK:1", "--period", "2026-Q1").code == 0
    items = _items(_due(capsys, "2026-04-13T08:00").get((VH, "reminder"), {"items": []}))
    assert not [i for i in items if i[3] == "Quý I/2026"]
    later = _items(_due(capsys, "2026-06-30T08:00")[(VH, "reminder")])
    assert ("DK:1", "due_today", "2026-06-30", "Quý II/2026") in later
    assert run_cli(capsys, "done", "DK:1", "--period", "2025-Q4").code == 2


def test_the_sample_yearly_task_is_overdue_for_2026_on_4_january_2027(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    items = [(i["task_key"], i["state"], i["due"]) for i in _due(capsys, "2027-01-04T08:00")[(VH, "reminder")]["items"]]
    assert (f"{K}2.2", "overdue", "2026-12-31") in items
    assert (f"{K}2.2", "window_open", "2027-12-31") in items


def test_a_late_monthly_occurrence_is_still_open_in_the_next_month(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = _items(_due(capsys, "2026-02-25T08:00")[(KT, "reminder")])
    assert ("DK:2", "overdue", "2026-01-15", "Tháng 1/2026") in items


# -- one rule for completion ------------------------------------------------------------------


@pytest.fixture
def telegram(recurring: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    fake = FakeTelegram()
    monkeypatch.setenv("TELEGRAM_API_URL", fake.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    for chat, title in ((VH_CHAT, "VH-XH"), (KT_CHAT, "Kinh tế")):
        fake.add_chat(chat, title)
    assert run_cli(capsys, "units", "link", VH, "--telegram", str(VH_CHAT)).code == 0
    assert run_cli(capsys, "units", "link", KT, "--telegram", str(KT_CHAT)).code == 0
    yield fake
    fake.stop()


def _press_done(fake: FakeTelegram, chat: int, who: dict[str, Any]) -> str:
    digest = next(m for m in fake.messages(chat) if m.text.startswith("[Nhắc việc]"))
    data = next(data for text, data in digest.buttons() if text == "✔️ Xong 3")
    return fake.press(chat, digest.message_id, data, who)


def _status(capsys: pytest.CaptureFixture[str], key: str) -> str:
    return str(next(t for t in run_cli(capsys, "tasks", "--json").json() if t["key"] == key)["status"])


def test_a_task_with_two_lead_units_is_done_when_each_has_reported(
    telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    first = _press_done(telegram, VH_CHAT, ALICE)
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:10").code == 0
    assert telegram.answers[first] == "Nhiệm vụ 3: đã ghi nhận phần việc của đơn vị; chờ các đơn vị chủ trì khác."
    assert _status(capsys, "DK:3") == "open"
    monday = _due(capsys, "2026-11-30T08:00")
    assert "DK:3" in [i[0] for i in _items(monday[(KT, "reminder")])]  # the other lead is still reminded
    assert "DK:3" not in [i[0] for i in _items(monday.get((VH, "reminder"), {"items": []}))]
    second = _press_done(telegram, KT_CHAT, BOB)
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:20").code == 0
    assert telegram.answers[second] == "Nhiệm vụ 3: đã ghi nhận; chờ văn phòng xác nhận."
    assert _status(capsys, "DK:3") == "reported"
    assert run_cli(capsys, "done", "DK:3").code == 0
    assert _status(capsys, "DK:3") == "done"


def test_the_office_finishes_one_leads_part_and_the_other_lead_is_still_reminded(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "--now", "2026-11-27T08:00", "done", "DK:3", "--unit", VH).code == 0
    monday = _due(capsys, "2026-11-30T08:00")
    assert "DK:3" in [i[0] for i in _items(monday[(KT, "reminder")])]
    assert _status(capsys, "DK:3") == "open"
    assert run_cli(capsys, "done", "DK:3", "--unit", KT).code == 0
    assert _status(capsys, "DK:3") == "done"  # the office's word needs no confirmation


# -- polling leases ---------------------------------------------------------------------------


def test_two_run_once_in_a_row_both_read_the_presses(
    telegram: FakeTelegram, recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def once(at: str) -> None:
        done = notifier(recurring, "run", "--once", "--now", at)
        assert done.returncode == 0, done.stderr

    once("2026-11-27T08:00")
    first = _press_done(telegram, VH_CHAT, ALICE)
    once("2026-11-27T08:05")
    second = _press_done(telegram, KT_CHAT, BOB)
    once("2026-11-27T08:06")  # at once: the first process gave its lease back when it ended
    assert first in telegram.answers and second in telegram.answers
    assert _status(capsys, "DK:3") == "reported"


# -- links to channels that are not configured ------------------------------------------------


def test_a_link_to_an_unconfigured_channel_is_a_visible_problem_not_a_console_send(
    recurring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "units", "link", VH, "--telegram", str(VH_CHAT)).code == 0
    assert run_cli(capsys, "run", "--once", "--now", "2026-04-10T08:00").code == 0
    log = {r["unit"]: r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder"}
    assert (log[VH]["channel"], log[VH]["status"]) == ("telegram", "failed")
    assert "TELEGRAM_BOT_TOKEN" in log[VH]["error"]
    assert (log[KT]["channel"], log[KT]["status"]) == ("console", "sent")  # no link at all: the console
    assert VH not in {m["target"] for m in _console(recurring)}
    [link] = next(u for u in run_cli(capsys, "units", "--json").json() if u["name"] == VH)["links"]
    assert link["configured"] is False and link["status"] == "active"  # not broken: configure and it works
    assert "chưa cấu hình kênh" in run_cli(capsys, "units").out
    status = run_cli(capsys, "status", "--json").json()
    assert any(VH in line and "TELEGRAM_BOT_TOKEN" in line for line in status["unconfigured_links"])
    assert any(VH in line for line in status["failing_links"])


# -- the office's alias wins ------------------------------------------------------------------


def test_an_alias_the_office_sets_wins_over_the_automatic_match(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = workdir / "ke-hoach.csv"
    plan.write_text(
        "TT;Nhiệm vụ;Đơn vị chủ trì;Thời hạn\n1;Việc A;Phòng VH-XH;Quý IV/2026\n"
        "2;Việc B;Phòng Văn hóa - Xã hội;Quý IV/2026\n",
        encoding="utf-8",
    )
    assert run_cli(capsys, "import", str(plan), "--plan", "AL").code == 0
    before = {t["key"]: t["lead_units"] for t in run_cli(capsys, "tasks", "--json").json()}
    assert before == {"AL:1": [VH], "AL:2": [VH]}
    result = run_cli(capsys, "units", "alias", "Phòng VH-XH", KT)
    assert result.code == 0, result.err
    after = {t["key"]: t["lead_units"] for t in run_cli(capsys, "tasks", "--json").json()}
    assert after == {"AL:1": [KT], "AL:2": [VH]}  # stored tasks follow at once; the full name stays
    assert run_cli(capsys, "import", str(plan), "--plan", "AL").code == 0
    again = {t["key"]: t["lead_units"] for t in run_cli(capsys, "tasks", "--json").json()}
    assert again == after  # and a re-import keeps the office's word
    units = {u["name"]: u["aliases"] for u in run_cli(capsys, "units", "--json").json()}
    assert "Phòng VH-XH" in units[KT] and "Phòng VH-XH" not in units[VH]


# -- continuous tasks -------------------------------------------------------------------------


def test_continuous_tasks_are_their_own_category_not_no_deadline(
    workdir: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    with Session(engine) as session:
        states = {s.task.key: s for s in task_states(session, WorkingCalendar(), date(2026, 11, 27))}
    assert (states[f"{K}1.1"].category, states[f"{K}1.1"].label) == ("continuous", "Thường xuyên")
    assert all(s.category != "no_deadline" for s in states.values() if s.task.deadline_kind == "continuous")
