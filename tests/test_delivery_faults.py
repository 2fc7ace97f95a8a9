"""Faults around a send, through the real python-telegram-bot against the local Bot API server:
nothing lost, nothing silently twice. 429s are pacing, not failures; an error about one message
does not break the group's link; an answer that cannot be read after the request left is uncertain;
two crashes in a row leave the "may repeat" fact in the log; SIGTERM lets the send in flight finish;
a web port already taken does not stop the reminders; a poll loop never spins; catch-up after an
outage includes what coordinating units should have heard."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from notifier.clock import Clock
from notifier.db.engine import open_database
from notifier.inbound.telegram import TelegramInbound
from notifier.runtime import build_runtime
from notifier.settings import load_settings
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_telegram import FakeTelegram, person
from tests.processes import daemon, log_of, notifier

VH = "Phòng Văn hóa - Xã hội"
VP = "Văn phòng HĐND và UBND xã"
VH_CHAT, VP_CHAT = -1001, -1002
AT_8 = "2026-11-27T08:00"


@pytest.fixture
def linked(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    monkeypatch.setenv("TELEGRAM_API_URL", fake.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    for chat, title in ((VH_CHAT, "VH-XH"), (VP_CHAT, "Văn phòng")):
        fake.add_chat(chat, title)
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "units", "link", VH, "--telegram", str(VH_CHAT)).code == 0
    assert run_cli(capsys, "units", "link", VP, "--telegram", str(VP_CHAT)).code == 0
    yield fake
    fake.stop()


def _once(capsys: pytest.CaptureFixture[str], at: str = AT_8) -> None:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err


def _log(capsys: pytest.CaptureFixture[str], unit: str = VH) -> dict[str, Any]:
    rows = [r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == unit and r["kind"] == "reminder"]
    assert len(rows) == 1, rows
    return rows[0]


def _digests(fake: FakeTelegram, chat: int) -> Counter[str]:
    """How many times each reminder digest (by the delivery its buttons carry) reached the chat."""
    return Counter(str(m.delivery()) for m in fake.messages(chat) if m.delivery() is not None)


def test_429s_in_a_row_are_pacing_not_failed_attempts(linked: FakeTelegram, capsys: pytest.CaptureFixture[str]) -> None:
    linked.scripted[VH_CHAT].extend([(429, "Too Many Requests: retry after 1")] * 9)
    for _ in range(15):
        _once(capsys)
        if _log(capsys)["status"] == "sent":
            break
        time.sleep(1.1)  # the retry_after the server asked for
    row = _log(capsys)
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert sum(_digests(linked, VH_CHAT).values()) == 1


def test_an_error_about_the_message_fails_it_without_breaking_the_link(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.scripted[VH_CHAT].append((400, "Bad Request: can't parse entities: unsupported start tag"))
    _once(capsys)
    row = _log(capsys)
    assert row["status"] == "failed" and "can't parse entities" in row["error"].lower()
    [link] = next(u for u in run_cli(capsys, "units", "--json").json() if u["name"] == VH)["links"]
    assert link["status"] == "active"
    assert _log(capsys, VP)["status"] == "sent"
    linked.scripted[VH_CHAT].append((400, "Bad Request: chat not found"))
    _once(capsys, "2026-11-30T08:00")
    [link] = next(u for u in run_cli(capsys, "units", "--json").json() if u["name"] == VH)["links"]
    assert link["status"] == "broken"  # an error about the chat does break it


def test_an_answer_that_cannot_be_read_after_the_request_left_is_uncertain_not_retried(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.garbled.add(VH_CHAT)
    _once(capsys)
    row = _log(capsys)
    assert row["status"] == "uncertain" and "sau khi gửi" in row["error"]
    for at in ("2026-11-27T08:05", "2026-11-27T09:00"):
        _once(capsys, at)
    assert sum(_digests(linked, VH_CHAT).values()) == 1  # it arrived once; nobody sent it again


def test_a_press_under_a_message_whose_send_was_never_recorded_is_still_acknowledged(
    linked: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    linked.garbled.add(VH_CHAT)  # the message lands; its answer (and so its message id) is lost
    _once(capsys)
    [message] = [m for m in linked.messages(VH_CHAT) if m.buttons()]  # a long digest: buttons on its last part
    [received] = [data for label, data in message.buttons() if label == "✅ Đã nhận"]
    linked.press(VH_CHAT, message.message_id, received, person(71, "Trần Thị Bình"))
    _once(capsys, "2026-11-27T08:05")
    row = _log(capsys)
    assert row["status"] == "uncertain" and [a["action"] for a in row["acks"]] == ["received"]
    borrowed = linked.press(VH_CHAT, message.message_id, received, person(72, "Lê Văn Cường"), shown_in=VP_CHAT)
    _once(capsys, "2026-11-27T08:10")
    assert "không thuộc" in linked.answers[borrowed]  # the same button seen in another chat is refused
    assert len(_log(capsys)["acks"]) == 1


def test_two_crashes_in_a_row_leave_the_may_repeat_fact_in_the_log(linked: FakeTelegram, workdir: Path) -> None:
    first = notifier(workdir, "run", "--once", "--now", AT_8, NOTIFIER_TEST_KILL_AT="after_send")
    assert first.returncode == -signal.SIGKILL
    second = notifier(workdir, "run", "--once", "--now", AT_8, NOTIFIER_TEST_KILL_AT="after_claim")
    assert second.returncode == -signal.SIGKILL
    third = notifier(workdir, "run", "--once", "--now", AT_8)
    assert third.returncode == 0, third.stderr
    log = [r for r in log_of(workdir) if r["channel"] == "telegram"]
    twice = [r for r in log if (r["note"] or "") and "có thể đã gửi hai lần" in r["note"]]
    received = _digests(linked, VH_CHAT) + _digests(linked, VP_CHAT)
    repeated = {code for code, n in received.items() if n > 1}
    assert {r["status"] for r in log} == {"sent"}
    assert repeated and len(twice) >= len(repeated)  # every duplicate is flagged in the log
    assert all("gửi lại" in r["note"] and ";" in r["note"] for r in twice)  # both attempts' stories kept


def test_sigterm_lets_the_send_in_flight_finish_and_nothing_is_sent_again(
    linked: FakeTelegram, workdir: Path
) -> None:
    linked.send_delay = 2.0
    with daemon(workdir, "--now", AT_8) as running:
        deadline = time.monotonic() + 60
        while not linked.messages(VH_CHAT) and not linked.messages(VP_CHAT) and time.monotonic() < deadline:
            time.sleep(0.05)
        running.send_signal(signal.SIGTERM)  # a request is on the wire, its answer 2 s away
        assert running.wait(timeout=90) == 0
    log = log_of(workdir)
    assert "sending" not in {r["status"] for r in log}
    linked.send_delay = 0.0
    assert notifier(workdir, "run", "--once", "--now", AT_8).returncode == 0
    received = _digests(linked, VH_CHAT) + _digests(linked, VP_CHAT)
    assert set(received.values()) == {1} and len(received) == 2
    log = log_of(workdir)
    assert not [r for r in log if r["note"] and "trùng" in r["note"]]


def test_a_web_port_already_taken_does_not_stop_the_reminders(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(workdir / "console.jsonl"))
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        with daemon(workdir, "--now", AT_8, NOTIFIER_WEB_PORT=port) as running:
            deadline, status = time.monotonic() + 60, {}
            while time.monotonic() < deadline:
                status = json.loads(notifier(workdir, "status", "--json").stdout)
                # every digest of the day, not just the first one sent
                if status["daemon"]["problem"] and status["deliveries"].get("sent") == 8:
                    break
                time.sleep(0.3)
            assert running.poll() is None  # still running
            assert port in status["daemon"]["problem"] and status["deliveries"]["sent"] == 8
            assert "Sự cố:" in notifier(workdir, "status").stdout
            running.send_signal(signal.SIGTERM)
            assert running.wait(timeout=60) == 0


def test_a_server_that_answers_polls_at_once_is_not_polled_in_a_tight_loop(linked: FakeTelegram) -> None:
    linked.polls_return_at_once = True
    settings = load_settings()
    engine = open_database(settings)
    inbound = build_runtime(settings, engine, Clock(datetime(2026, 11, 27, 1, 0, tzinfo=UTC))).inbounds[0]
    assert isinstance(inbound, TelegramInbound)

    async def poll_for(seconds: float) -> None:
        stop = asyncio.Event()
        await inbound.start()
        task = asyncio.create_task(inbound.run(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await task
        await inbound.stop()

    asyncio.run(poll_for(3.0))
    engine.dispose()
    assert 2 <= linked.get_updates_calls <= 5  # about one a second, not dozens


@contextlib.contextmanager
def _write_lock(database: Path) -> Iterator[None]:
    """Another program holds SQLite's write lock (as a long re-plan or a backup would)."""
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_press_while_the_database_is_locked_is_recorded_once_it_is_free(
    linked: FakeTelegram, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if not load_settings().database_url.startswith("sqlite"):
        pytest.skip("the write lock held from outside is SQLite's")
    _once(capsys)
    digest = next(m for m in linked.messages(VH_CHAT) if m.delivery() is not None)
    received = next(data for text, data in digest.buttons() if text == "✅ Đã nhận")
    monkeypatch.setenv("NOTIFIER_SQLITE_BUSY_SECONDS", "1")  # give up waiting for the lock after a second
    settings = load_settings()
    engine = open_database(settings)
    inbound = build_runtime(settings, engine, Clock(datetime(2026, 11, 27, 1, 15, tzinfo=UTC))).inbounds[0]
    database = Path(str(engine.url.database))

    async def press_during_the_lock() -> str:
        await inbound.start()
        try:
            await inbound.poll_once()  # the poller holds its lease before the lock is taken
            press = linked.press(VH_CHAT, digest.message_id, received, person(501, "Nguyễn Văn A"))
            handle = inbound.app.process_update

            async def busy_while_handled(update: Any) -> None:
                with _write_lock(database):  # free again before the poller moves its cursor on
                    await handle(update)

            monkeypatch.setattr(inbound.app, "process_update", busy_while_handled)
            with pytest.raises(OperationalError, match="locked"):
                await inbound.poll_once()
            monkeypatch.setattr(inbound.app, "process_update", handle)
            assert await inbound.poll_once() == 1  # the same update, fetched again
            return press
        finally:
            await inbound.stop()

    press = asyncio.run(press_during_the_lock())
    engine.dispose()
    assert linked.answers[press] == "Đã ghi nhận: đơn vị đã nhận bản tin."
    acks = _log(capsys)["acks"]
    assert [(a["by"], a["action"]) for a in acks] == [("Nguyễn Văn A", "received")]


CATCH_UP = """TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành
1;Báo cáo;Phòng Văn hóa - Xã hội;Phòng Kinh tế;Hoàn thành trước ngày 1/12/2026
"""


def test_catch_up_after_an_outage_includes_the_coordinating_units_due_day(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = workdir / "bu.csv"
    plan.write_text(CATCH_UP, encoding="utf-8")
    assert run_cli(capsys, "--now", "2026-11-10T08:00", "import", str(plan), "--plan", "BU").code == 0
    _once(capsys, "2026-11-20T08:00")  # the coordinating unit's 7-day notice
    # down from then until after the due day (Tuesday 1/12): back on Wednesday
    digests = {(d["unit"], d["kind"]): d for d in run_cli(capsys, "due", "--at", "2026-12-02T08:00", "--json").json()}
    items = [(i["task_key"], i["role"], i["state"]) for i in digests[("Phòng Kinh tế", "reminder")]["items"]]
    assert ("BU:1", "coordinating", "overdue") in items  # told late, and told it is late


class FlakyInbound:
    """A bot whose polling loop ends by itself once (a bug, an error it did not catch), then runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def run(self, stop: asyncio.Event) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("getUpdates answered something unexpected")
        await stop.wait()


def test_a_polling_loop_that_ends_is_reported_and_started_again(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier import daemon as daemon_module
    from notifier.reports.log import daemon_record

    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    monkeypatch.setattr(daemon_module, "POLL_RESTART_SECONDS", 0.2)
    settings = load_settings()
    engine = open_database(settings)
    runtime = build_runtime(settings, engine, Clock(datetime(2026, 11, 27, 1, tzinfo=UTC)))
    service = daemon_module.Daemon(runtime, Clock())
    poller = FlakyInbound()
    seen: list[str | None] = []

    async def watch() -> None:
        task = asyncio.create_task(service._keep_polling(poller))  # type: ignore[arg-type]
        while poller.runs < 2:
            await asyncio.sleep(0.01)
        seen.append(service.problem)
        service.stop.set()
        await task

    asyncio.run(watch())
    assert poller.runs == 2  # started again
    assert seen == [None]  # the problem cleared once it ran again
    problem = daemon_record(engine).problem  # what `status` and /healthz said while it was down
    said = "nhận tin Flaky lỗi RuntimeError('getUpdates answered something unexpected'); chạy lại sau 0.2 giây"
    assert problem == said
    engine.dispose()
