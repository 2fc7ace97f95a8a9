"""Telegram end to end: the real python-telegram-bot over HTTP against a local Bot API server.
Linking by code, a digest with its buttons, every press, replies, forgery and replay, escaping,
a removed bot, a supergroup migration, flood control and a second poller."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from notifier.clock import Clock
from notifier.inbound.telegram import TelegramInbound
from notifier.runtime import build_runtime
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_telegram import FakeTelegram, person
from tests.processes import ROOT_DIR

K = "KH-dan-van-2026:"
VH = "Phòng Văn hóa - Xã hội"
VH_CHAT = -1001
VP_CHAT = -1002
OTHER_CHAT = -1003
ALICE = person(501, "Nguyễn Văn A", "nva")
BOB = person(502, "Trần Thị B")
AT_8 = "2026-11-27T08:00"
PINNED = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture
def telegram(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    monkeypatch.setenv("TELEGRAM_API_URL", fake.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    for chat, title in ((VH_CHAT, "VH-XH xã Thái Tân"), (VP_CHAT, "Văn phòng xã"), (OTHER_CHAT, "Nhóm khác")):
        fake.add_chat(chat, title)
    yield fake
    fake.stop()


@pytest.fixture
def linked(telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> FakeTelegram:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "units", "link", VH, "--telegram", str(VH_CHAT)).code == 0
    assert run_cli(capsys, "units", "link", "Văn phòng HĐND và UBND xã", "--telegram", str(VP_CHAT)).code == 0
    return telegram


def _once(capsys: pytest.CaptureFixture[str], at: str = AT_8) -> None:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err


def _code(output: str) -> str:
    m = re.search(r": ([A-Z2-9]{6})\n", output)
    assert m, output
    return m.group(1)


def _replies(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.text for m in fake.messages(chat)]


def _digest(fake: FakeTelegram, chat: int) -> Any:
    return next(m for m in fake.messages(chat) if m.text.startswith("[Nhắc việc]"))


def _button(message: Any, label: str) -> str:
    return next(data for text, data in message.buttons() if text == label)


def test_a_group_is_linked_with_a_one_time_code(telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    code = _code(run_cli(capsys, "units", "link-code", "phòng văn hóa - xã hội").out)
    telegram.say(VH_CHAT, f"/dangky {code}", ALICE)
    telegram.say(OTHER_CHAT, f"/dangky {code}", BOB)
    telegram.say(OTHER_CHAT, "/dangky ZZZZZZ", BOB)
    telegram.say(OTHER_CHAT, "/dangky", BOB)
    _once(capsys)
    assert _replies(telegram, VH_CHAT)[0] == f"Đã liên kết: nhóm này nhận nhắc việc của đơn vị «{VH}»."
    assert _replies(telegram, OTHER_CHAT) == [
        f"Mã «{code}» đã được dùng. Hãy xin văn phòng mã mới.",
        "Mã «ZZZZZZ» không đúng. Hãy kiểm tra lại mã văn phòng đã cấp.",
        "Cách dùng: /dangky MÃ (mã do văn phòng cấp).",
    ]
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert [(link["target"], link["title"]) for link in units[VH]["links"]] == [(str(VH_CHAT), "VH-XH xã Thái Tân")]
    late = _code(run_cli(capsys, "units", "link-code", "Phòng Kinh tế").out)
    telegram.say(OTHER_CHAT, f"/dangky {late}", BOB)
    _once(capsys, "2026-11-30T09:00")  # more than 48 hours later
    assert _replies(telegram, OTHER_CHAT)[-1] == f"Mã «{late}» đã hết hạn. Hãy xin văn phòng mã mới."
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert units["Phòng Kinh tế"]["links"] == []


def test_the_digest_arrives_in_html_with_buttons(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    assert digest.text.startswith(f"[Nhắc việc] {VH} — 27/11/2026")
    assert "<b>Quá hạn (2):</b>" in digest.html
    labels = [text for text, _ in digest.buttons()]
    assert labels[:3] == ["✅ Đã nhận", "⏰ Nhắc lại sau", "📅 Xin gia hạn"]
    assert labels[3:6] == ["✔️ Xong 1.2", "✔️ Xong 4.8", "✔️ Xong 2.2"]
    assert all(len(data.encode()) <= 64 for _, data in digest.buttons())
    assert "#R" not in digest.text  # a reply code is for Zalo, where answers quote it; here buttons answer
    log = {r["unit"]: r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder"}
    assert log[VH]["channel"] == "telegram" and log[VH]["target"] == str(VH_CHAT) and log[VH]["status"] == "sent"
    assert log["Phòng Kinh tế"]["channel"] == "none" and log["Phòng Kinh tế"]["status"] == "failed"
    assert "chưa liên kết" in log["Phòng Kinh tế"]["error"]


def test_every_button_is_recorded_with_the_person_and_shown_in_the_message(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    received = linked.press(VH_CHAT, digest.message_id, _button(digest, "✅ Đã nhận"), ALICE)
    done = linked.press(VH_CHAT, digest.message_id, _button(digest, "✔️ Xong 4.8"), BOB)
    snooze = linked.press(VH_CHAT, digest.message_id, _button(digest, "⏰ Nhắc lại sau"), BOB)
    _once(capsys, "2026-11-27T08:15")
    assert linked.answers[received] == "Đã ghi nhận: đơn vị đã nhận bản tin."
    assert linked.answers[done] == "Nhiệm vụ 4.8: đã ghi nhận; chờ văn phòng xác nhận."
    assert linked.answers[snooze] == "Sẽ nhắc lại vào ngày 30/11/2026."
    edited = _digest(linked, VH_CHAT)
    assert "✅ Đã nhận: Nguyễn Văn A, 08:15 27/11/2026" in edited.text
    assert "✔️ Xong 4.8: Trần Thị B, 08:15 27/11/2026" in edited.text
    assert [text for text, _ in edited.buttons()][:3] == ["📅 Xin gia hạn", "✔️ Xong 1.2", "✔️ Xong 2.2"]
    reminders = [m for m in linked.messages(VH_CHAT) if m.text.startswith(f"[Nhắc việc] {VH} —")]
    assert len(reminders) == 1 and reminders[0].edits  # edited in place, no second message
    acks = next(r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder")[
        "acks"
    ]
    assert [(a["by"], a["action"], a["channel"]) for a in acks] == [
        ("Nguyễn Văn A", "received", "telegram"),
        ("Trần Thị B", "done", "telegram"),
        ("Trần Thị B", "snooze", "telegram"),
    ]
    assert acks[0]["at"] == "2026-11-27T01:15:00+00:00"
    task = next(t for t in run_cli(capsys, "tasks", "--json").json() if t["key"] == f"{K}4.8")
    assert task["status"] == "reported"
    monday = {(d["unit"], d["kind"]): d for d in run_cli(capsys, "due", "--at", "2026-11-30T08:00", "--json").json()}
    items = [i["task_key"] for i in monday[(VH, "reminder")]["items"]]
    assert f"{K}1.2#2" in items  # the snoozed digest comes back
    assert f"{K}4.8" in items  # as it stood when snoozed: the office has not confirmed yet
    assert run_cli(capsys, "done", f"{K}4.8").code == 0  # the office confirms the report
    task = next(t for t in run_cli(capsys, "tasks", "--json").json() if t["key"] == f"{K}4.8")
    assert task["status"] == "done"


def test_forged_replayed_and_foreign_presses_are_refused(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    data = _button(digest, "✅ Đã nhận")
    forged = linked.press(VH_CHAT, digest.message_id, data[:-3] + "AAA", BOB)
    foreign = linked.press(VH_CHAT, digest.message_id, data, BOB, shown_in=OTHER_CHAT)
    vp = _digest(linked, VP_CHAT)
    borrowed = linked.press(VH_CHAT, digest.message_id, _button(vp, "✅ Đã nhận"), BOB)
    first = linked.press(VH_CHAT, digest.message_id, data, ALICE)
    again = linked.press(VH_CHAT, digest.message_id, data, BOB)
    _once(capsys, "2026-11-27T08:20")
    assert linked.answers[forged] == "Nút không hợp lệ."
    assert linked.answers[foreign] == "Nút này không thuộc bản tin gửi tới nhóm này."
    assert linked.answers[borrowed] == "Nút này không thuộc bản tin gửi tới nhóm này."
    assert linked.answers[first] == "Đã ghi nhận: đơn vị đã nhận bản tin."
    assert linked.answers[again] == "Đã có xác nhận trước: Nguyễn Văn A, 08:20 27/11/2026."
    log = run_cli(capsys, "log", "--json").json()
    assert [(a["by"], a["action"]) for r in log for a in r["acks"]] == [("Nguyễn Văn A", "received")]


def test_a_reply_is_a_comment_and_an_acknowledgement(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    linked.say(VH_CHAT, "Đơn vị đang hoàn thiện báo cáo 4.8, xin gia hạn.", BOB, reply_to=digest.message_id)
    _once(capsys, "2026-11-27T09:00")
    assert _replies(linked, VH_CHAT)[-1] == "Đã ghi nhận ý kiến của bạn."
    acks = next(r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder")[
        "acks"
    ]
    assert [(a["by"], a["action"]) for a in acks] == [("Trần Thị B", "comment"), ("Trần Thị B", "received")]


def test_commands_list_open_tasks_and_explain_the_buttons(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.say(VH_CHAT, "/nhiemvu", ALICE)
    linked.say(OTHER_CHAT, "/nhiemvu", ALICE)
    linked.say(VH_CHAT, "/trogiup", ALICE)
    _once(capsys)
    replies = _replies(linked, VH_CHAT)
    tasks = next(r for r in replies if r.startswith("Nhiệm vụ đang mở"))
    assert tasks.startswith(f"Nhiệm vụ đang mở của {VH}")
    assert "1.2. Ban hành Kế hoạch" in tasks and "(10/03/2026, quá hạn 181 ngày làm việc)" in tasks
    assert any("✅ Đã nhận: xác nhận đơn vị đã nhận bản tin." in r for r in replies)
    assert _replies(linked, OTHER_CHAT) == [
        "Nhóm này chưa liên kết với đơn vị nào. Hãy gửi /dangky MÃ (mã do văn phòng cấp)."
    ]


def test_task_text_with_html_characters_is_escaped(
    linked: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "html.txt"
    plan.write_text(
        "TT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n"
        '1\tSo sánh chỉ số <PAR INDEX> & "SIPAS" năm 2025 > 2024\tPhòng Văn hóa - Xã hội\tTrước ngày 1/12/2026\n',
        encoding="utf-8",
    )
    assert run_cli(capsys, "import", str(plan), "--plan", "HTML").code == 0
    _once(capsys)
    text = _digest(linked, VH_CHAT).text
    assert 'So sánh chỉ số <PAR INDEX> & "SIPAS" năm 2025 > 2024' in text


def test_a_removed_bot_breaks_the_link_and_shows_in_status(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.kick(VH_CHAT)
    _once(capsys)
    log = {r["unit"]: r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder"}
    assert log[VH]["status"] == "failed" and log[VH]["error"].startswith("403")
    status = run_cli(capsys, "status", "--json").json()
    assert f"{VH} (telegram: {VH_CHAT})" in status["failing_links"]
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert units[VH]["links"][0]["status"] == "broken"
    _once(capsys, "2026-11-27T09:00")
    assert len([r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH]) == 2  # not retried


def test_a_group_upgraded_to_a_supergroup_is_followed(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    linked.migrate(VH_CHAT, -1009)
    _once(capsys)
    assert _digest(linked, -1009).text.startswith(f"[Nhắc việc] {VH}")
    log = {r["unit"]: r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "reminder"}
    assert (log[VH]["status"], log[VH]["target"]) == ("sent", "-1009")
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert [(link["target"], link["status"]) for link in units[VH]["links"]] == [("-1009", "active")]
    failing = run_cli(capsys, "status", "--json").json()["failing_links"]
    assert [link for link in failing if "telegram" in link] == []  # following a migration is no failure


def test_a_429_waits_and_keeps_the_chat_in_order(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    linked.force_429(VH_CHAT, 1)
    _once(capsys)  # the retry may come in this pass (while other chats are sent) or not: both are fine
    # Real time: the 1-second wait asked by the 429 is counted on the machine's clock. A second pass
    # after it sends what waited, so the outcome never depends on how fast the first pass ran.
    time.sleep(1.2)
    _once(capsys)
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH]
    assert [(r["kind"], r["status"], r["attempts"]) for r in log] == [("reminder", "sent", 1), ("summary", "sent", 1)]
    texts = [m.text.split(" — ")[0] for m in linked.messages(VH_CHAT)]
    assert texts == [f"[Nhắc việc] {VH}", f"[Nhắc việc] Tổng hợp tuần gửi {VH}"]


def test_only_one_process_polls_the_token(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    from notifier.db.engine import open_database
    from notifier.settings import load_settings

    settings = load_settings()
    engine = open_database(settings)
    first = build_runtime(settings, engine, Clock(PINNED)).inbounds[0]
    second = build_runtime(settings, engine, Clock(PINNED)).inbounds[0]
    assert isinstance(first, TelegramInbound) and isinstance(second, TelegramInbound)
    second.holder = "another-host:1"
    linked.say(VH_CHAT, "/trogiup", ALICE)

    async def both() -> tuple[int, int]:
        await first.start()
        await second.start()
        try:
            return await first.poll_once(), await second.poll_once()
        finally:
            await first.stop()
            await second.stop()

    assert asyncio.run(both()) == (1, 0)
    engine.dispose()


def _flood(units: int, per_unit: int, workdir: Path, fake: FakeTelegram) -> None:
    """Units with linked groups and ``per_unit`` open digests each, due now."""
    lines = ["units:"] + [f"  - name: Đơn vị {u:02d}\n    kind: phòng" for u in range(units)]
    (workdir / "config" / "units.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from notifier.db.engine import open_database
    from notifier.schedule.models import Digest
    from notifier.settings import load_settings
    from notifier.units.directory import load_directory
    from notifier.units.sync import sync_directory

    settings = load_settings()
    engine = open_database(settings)
    with Session(engine) as session:
        ids = {
            name: unit.id or 0 for name, unit in sync_directory(session, load_directory(settings.units_file)).items()
        }
        session.commit()
    at = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    with Session(engine) as session:
        for k in range(per_unit):
            for u in range(units):
                session.add(
                    Digest(
                        key=f"flood:{u}:{k}",
                        unit_id=ids[f"Đơn vị {u:02d}"],
                        role="unit",
                        kind="leadership",
                        send_at=at - timedelta(minutes=1),
                    )
                )
        session.commit()
    engine.dispose()
    for u in range(units):
        fake.add_chat(-2000 - u, f"Nhóm {u}")


def test_a_flood_of_200_digests_to_20_groups_stays_within_limits_in_order(
    telegram: FakeTelegram, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _flood(20, 10, workdir, telegram)
    for u in range(20):
        assert run_cli(capsys, "units", "link", f"Đơn vị {u:02d}", "--telegram", str(-2000 - u)).code == 0
    _once(capsys)
    assert telegram.flood_errors == 0
    for u in range(20):
        deliveries = [m.delivery() for m in telegram.messages(-2000 - u)]
        assert len(deliveries) == 10 and deliveries == sorted(deliveries)  # type: ignore[type-var]
    log = run_cli(capsys, "log", "--json").json()
    assert len(log) == 200 and {r["status"] for r in log} == {"sent"}


def test_sigkill_mid_flood_then_restart_sends_nothing_twice_and_loses_nothing(
    telegram: FakeTelegram, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import signal
    import subprocess
    import sys

    _flood(5, 4, workdir, telegram)
    for u in range(5):
        assert run_cli(capsys, "units", "link", f"Đơn vị {u:02d}", "--telegram", str(-2000 - u)).code == 0
    command = [sys.executable, "-m", "notifier", "run", "--once", "--now", AT_8]
    killed = subprocess.run(
        [sys.executable, "-m", "tests.kill_points", *command[3:]],
        cwd=workdir,
        env={**os.environ, "NOTIFIER_TEST_KILL_AT": "after_send:7", "PYTHONPATH": ROOT_DIR},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    restarted = subprocess.run(command, cwd=workdir, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    received = Counter(m.delivery() for u in range(5) for m in telegram.messages(-2000 - u))
    log = run_cli(capsys, "log", "--json").json()
    assert {r["status"] for r in log} == {"sent"} and len(received) == 20  # every digest arrived
    # Only a send cut off in flight (the Bot API cannot be asked) may arrive twice, and its log says so.
    noted = {r["digest"] for r in log if r["note"] and "có thể trùng" in r["note"]}
    assert 1 <= len(noted) <= 8  # the killed send, and at most the others then in flight
    assert sum(received.values()) - 20 <= len(noted)
    assert telegram.flood_errors == 0


def test_a_unit_asks_for_more_time_in_reply_to_its_digest(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    how = linked.press(VH_CHAT, digest.message_id, _button(digest, "📅 Xin gia hạn"), BOB)
    _once(capsys, "2026-11-27T08:10")
    assert linked.answers[how].startswith("Để xin gia hạn: trả lời (reply) bản tin này")
    linked.say(
        VH_CHAT, "Xin gia hạn 2.2 đến 15/1/2027 lý do Chờ kinh phí của thành phố", BOB, reply_to=digest.message_id
    )
    linked.say(VH_CHAT, "gia hạn 4.8 30/12/2026 lý do muộn", BOB, reply_to=digest.message_id)
    _once(capsys, "2026-11-27T09:00")
    assert _replies(linked, VH_CHAT)[-2:] == [
        "Đã ghi nhận đề nghị gia hạn số 1: nhiệm vụ 2.2 đến ngày 15/01/2027. Văn phòng sẽ báo lại quyết định.",
        "Chưa ghi nhận đề nghị gia hạn: nhiệm vụ đã quá hạn từ 31/03/2026: đề nghị gia hạn xin gửi qua văn phòng.",
    ]
    [asked] = run_cli(capsys, "extensions", "--json").json()
    assert (asked["key"], asked["unit"], asked["requested_via"], asked["requested_by"], asked["reason"]) == (
        f"{K}2.2",
        VH,
        "telegram",
        "Trần Thị B",
        "Chờ kinh phí của thành phố",
    )
    assert run_cli(capsys, "extensions", "approve", "1", "--now", "2026-11-27T09:30").code == 0
    _once(capsys, "2026-11-27T09:35")
    notice = [m for m in linked.messages(VH_CHAT) if "Đề nghị gia hạn số 1" in m.text]
    assert len(notice) == 1 and "Được gia hạn đến ngày 15/01/2027" in notice[0].text


LD_CHAT = -1004
LEADERS = "Lãnh đạo UBND xã"
CHU_TICH = person(601, "Lê Văn Chủ", "chutich")


def _leadership_decides(workdir: Path, telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    policy = workdir / "config" / "policy.yaml"
    text = policy.read_text(encoding="utf-8").replace("  decided_by: office ", "  decided_by: leadership ")
    policy.write_text(text.replace("  max_per_task: 2", "  max_per_task: 1"), encoding="utf-8")
    telegram.add_chat(LD_CHAT, "Lãnh đạo xã")
    assert run_cli(capsys, "units", "link", LEADERS, "--telegram", str(LD_CHAT)).code == 0


def _question(fake: FakeTelegram, number: int) -> Any:
    return next(m for m in fake.messages(LD_CHAT) if m.text.startswith(f"[Nhắc việc] Đề nghị gia hạn số {number} "))


def _asked(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> tuple[Any, Any]:
    """The unit asks in reply to its digest; the question reaches leadership at the next pass."""
    _once(capsys)
    digest = _digest(linked, VH_CHAT)
    linked.say(VH_CHAT, "gia hạn 2.2 15/1/2027 lý do Chờ kinh phí", BOB, reply_to=digest.message_id)
    _once(capsys, "2026-11-27T09:00")
    assert _replies(linked, VH_CHAT)[-1].endswith("Lãnh đạo sẽ báo lại quyết định.")
    _once(capsys, "2026-11-27T09:05")  # in office hours: at once
    return digest, _question(linked, 1)


def test_leadership_decides_in_its_chat_with_signed_buttons_and_the_unit_is_told(
    linked: FakeTelegram, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leadership_decides(workdir, linked, capsys)
    digest, question = _asked(linked, capsys)
    assert f"Đơn vị: {VH}" in question.text and "đề nghị gia hạn đến: 15/01/2027" in question.text
    assert "Lý do: Chờ kinh phí" in question.text and "Người đề nghị: Trần Thị B (qua Telegram)" in question.text
    assert [label for label, _ in question.buttons()] == ["✅ Đồng ý", "❌ Không đồng ý"]
    approve = _button(question, "✅ Đồng ý")
    forged = linked.press(LD_CHAT, question.message_id, approve[:-3] + "AAA", CHU_TICH)
    foreign = linked.press(LD_CHAT, question.message_id, approve, BOB, shown_in=VH_CHAT)
    borrowed = linked.press(LD_CHAT, question.message_id, _button(digest, "✅ Đã nhận"), CHU_TICH)
    _once(capsys, "2026-11-27T09:10")
    assert linked.answers[forged] == "Nút không hợp lệ."
    assert linked.answers[foreign] == "Nút này không thuộc tin gửi tới nhóm này."
    assert linked.answers[borrowed] == "Nút này không thuộc bản tin gửi tới nhóm này."
    assert run_cli(capsys, "extensions", "--json").json()[0]["status"] == "pending"
    pressed = linked.press(LD_CHAT, question.message_id, approve, CHU_TICH)
    replayed = linked.press(LD_CHAT, question.message_id, approve, CHU_TICH)
    _once(capsys, "2026-11-27T09:20")
    assert linked.answers[pressed] == "Đã đồng ý gia hạn đến ngày 15/01/2027 (đề nghị số 1). Đơn vị sẽ được báo."
    assert linked.answers[replayed] == "Đề nghị gia hạn số 1 đã được quyết định: đã đồng ý (Lê Văn Chủ (lãnh đạo))."
    shown = _question(linked, 1)
    assert shown.buttons() == [] and "✅ Đồng ý: Lê Văn Chủ (lãnh đạo), 09:20 27/11/2026" in shown.text
    [decided] = run_cli(capsys, "extensions", "--all", "--json").json()
    assert (decided["status"], decided["approved_due"], decided["decided_by"]) == (
        "approved",
        "2027-01-15",
        "Lê Văn Chủ (lãnh đạo)",
    )
    due = run_cli(capsys, "due", "--at", "2027-01-15T08:00", "--json").json()
    items = [(i["state"], i["due"]) for d in due for i in d["items"] if i["task_key"] == f"{K}2.2"]
    assert ("due_today", "2027-01-15") in items  # re-planned on the approved date
    _once(capsys, "2026-11-27T09:25")
    notice = [m for m in linked.messages(VH_CHAT) if "Đề nghị gia hạn số 1 — ĐỒNG Ý" in m.text]
    assert len(notice) == 1 and "Được gia hạn đến ngày 15/01/2027" in notice[0].text
    acks = [a for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "decision" for a in r["acks"]]
    assert [(a["by"], a["action"]) for a in acks] == [("Lê Văn Chủ", "approved")]
    # The policy's cap (max_per_task: 1 here): a second request is refused in the chat, nobody is asked.
    linked.say(VH_CHAT, "gia hạn 2.2 28/2/2027 lý do Chưa đủ kinh phí", BOB, reply_to=digest.message_id)
    _once(capsys, "2026-11-27T09:40")
    assert _replies(linked, VH_CHAT)[-1] == (
        "Chưa ghi nhận đề nghị gia hạn: nhiệm vụ đã được gia hạn 1 lần, tối đa 1 lần."
    )
    assert [e["id"] for e in run_cli(capsys, "extensions", "--all", "--json").json()] == [1]


def test_leadership_refuses_in_reply_with_a_reason_and_the_unit_hears_it(
    linked: FakeTelegram, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _leadership_decides(workdir, linked, capsys)
    _, question = _asked(linked, capsys)
    how = linked.press(LD_CHAT, question.message_id, _button(question, "❌ Không đồng ý"), CHU_TICH)
    linked.say(LD_CHAT, "Không đồng ý", CHU_TICH, reply_to=question.message_id)
    linked.say(
        LD_CHAT, "Không đồng ý, lý do: Đã gia hạn một lần, đề nghị khẩn trương", CHU_TICH, reply_to=question.message_id
    )
    _once(capsys, "2026-11-27T10:00")
    assert linked.answers[how].startswith("Để không đồng ý: trả lời (reply) tin này, ghi lý do")
    assert _replies(linked, LD_CHAT)[-2:] == [
        "Hãy ghi lý do không đồng ý để báo lại đơn vị, ví dụ «không đồng ý, lý do: …».",
        "Đã ghi nhận không đồng ý đề nghị gia hạn số 1. Đơn vị sẽ được báo kèm lý do.",
    ]
    assert "❌ Không đồng ý: Lê Văn Chủ (lãnh đạo), 10:00 27/11/2026 — Đã gia hạn một lần" in _question(linked, 1).text
    _once(capsys, "2026-11-27T10:05")
    notice = next(m for m in linked.messages(VH_CHAT) if "Đề nghị gia hạn số 1 — KHÔNG ĐỒNG Ý" in m.text)
    assert "Ý kiến: Đã gia hạn một lần, đề nghị khẩn trương" in notice.text and "Hạn vẫn là ngày" in notice.text
    # The office's page could still decide; a press after the decision changes nothing.
    assert run_cli(capsys, "extensions", "approve", "1").code != 0


def _escalation(fake: FakeTelegram) -> Any:
    return next(m for m in fake.messages(LD_CHAT) if m.text.startswith("[Nhắc việc] Kính gửi"))


def test_leadership_asks_an_explanation_the_unit_answers_by_reply_and_silence_is_escalated(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.add_chat(LD_CHAT, "Lãnh đạo xã")
    assert run_cli(capsys, "units", "link", LEADERS, "--telegram", str(LD_CHAT)).code == 0
    _once(capsys)
    escalation = _escalation(linked)
    asks = [(label, data) for label, data in escalation.buttons() if label.startswith("❓ Giải trình")]
    assert [label for label, _ in asks] == ["❓ Giải trình b", "❓ Giải trình 1.2", "❓ Giải trình 4.8"]
    asks = asks[1:]  # the items of VH
    forged = linked.press(LD_CHAT, escalation.message_id, asks[0][1][:-3] + "AAA", CHU_TICH)
    foreign = linked.press(LD_CHAT, escalation.message_id, asks[0][1], BOB, shown_in=VH_CHAT)
    first = linked.press(LD_CHAT, escalation.message_id, asks[0][1], CHU_TICH)
    twice = linked.press(LD_CHAT, escalation.message_id, asks[0][1], CHU_TICH)
    second = linked.press(LD_CHAT, escalation.message_id, asks[1][1], CHU_TICH)
    _once(capsys, "2026-11-27T09:00")
    assert linked.answers[forged] == "Nút không hợp lệ."
    assert linked.answers[foreign] == "Nút này không thuộc bản tin gửi tới nhóm này."
    assert linked.answers[first] == f"Đã gửi yêu cầu giải trình số 1 tới {VH} (nhiệm vụ 1.2)."
    assert linked.answers[twice] == f"Chưa gửi yêu cầu giải trình: đã có yêu cầu giải trình số 1 đang chờ {VH} trả lời."
    assert linked.answers[second] == f"Đã gửi yêu cầu giải trình số 2 tới {VH} (nhiệm vụ 4.8)."
    _once(capsys, "2026-11-27T09:05")
    asked = [m for m in linked.messages(VH_CHAT) if m.text.startswith("[Nhắc việc] Yêu cầu giải trình số")]
    assert [m.text.split("\n")[0] for m in asked] == [
        f"[Nhắc việc] Yêu cầu giải trình số 1 — {VH}",
        f"[Nhắc việc] Yêu cầu giải trình số 2 — {VH}",
    ]
    assert "Người yêu cầu: Lê Văn Chủ (lãnh đạo), 09:00 27/11/2026." in asked[0].text
    assert "trước hết ngày 01/12/2026: trả lời (reply) tin này." in asked[0].text and asked[0].buttons() == []
    answer = "Chờ ý kiến của thành phố về kinh phí; dự kiến hoàn thành 15/12/2026."
    linked.say(VH_CHAT, answer, BOB, reply_to=asked[0].message_id)
    _once(capsys, "2026-11-27T10:00")
    assert (
        _replies(linked, VH_CHAT)[-1] == "Đã ghi nhận nội dung giải trình (yêu cầu số 1). Lãnh đạo và văn phòng sẽ xem."
    )
    _once(capsys, "2026-11-27T10:05")
    told = next(m for m in linked.messages(LD_CHAT) if m.text.startswith("[Nhắc việc] Giải trình số 1"))
    assert f"Nội dung giải trình: {answer}" in told.text and "Người giải trình: Trần Thị B" in told.text
    # Nothing for request 2 by the end of Tuesday 01/12 (two working days): Wednesday tells leadership.
    _once(capsys, "2026-12-01T16:00")
    assert not [m for m in linked.messages(LD_CHAT) if "CHƯA GIẢI TRÌNH" in m.text]
    _once(capsys, "2026-12-02T08:00")
    _once(capsys, "2026-12-02T08:30")
    missing = [m for m in linked.messages(LD_CHAT) if "CHƯA GIẢI TRÌNH" in m.text]
    assert len(missing) == 1 and missing[0].text.startswith(f"[Nhắc việc] Giải trình số 2 — {VH}: CHƯA GIẢI TRÌNH")
    records = {r["id"]: r for r in run_cli(capsys, "explanations", "--all", "--json").json()}
    assert (records[1]["status"], records[1]["answer"], records[1]["answered_via"]) == ("answered", answer, "telegram")
    assert (records[2]["status"], records[2]["escalated"]) == ("waiting", True)
