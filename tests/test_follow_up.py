"""Follow-ups across channels, end to end through the real Telegram library against the local Bot
API server and the local Zalo server: a unit linked on both gets an urgent digest on Telegram
first; unacknowledged after the set working hours it goes to Zalo, marked as a follow-up; an
acknowledgement there ends the chain and shows in the Telegram message; leadership's escalation
waits for the chain; the log tells the digest's story."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_telegram import FakeTelegram, person
from tests.fake_zalo import FakeZalo, zalo_user

VH = "Phòng Văn hóa - Xã hội"
LEADERS = "Lãnh đạo UBND xã"
VH_CHAT, LD_CHAT = -1001, -1004
GROUP = "grp.vhxh.thaitan"
BINH = zalo_user("u.binh", "Phạm Thị Bình")
ALICE = person(501, "Nguyễn Văn A", "nva")


@pytest.fixture
def both(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    telegram, zalo = FakeTelegram(), FakeZalo()
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    monkeypatch.setenv("ZALO_API_URL", zalo.start())
    monkeypatch.setenv("ZALO_BOT_TOKEN", zalo.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    telegram.add_chat(VH_CHAT, "VH-XH xã Thái Tân")
    telegram.add_chat(LD_CHAT, "Lãnh đạo xã")
    zalo.add_chat(GROUP, "GROUP")
    policy = workdir / "config" / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace("  after_working_hours: 0", "  after_working_hours: 2"),
        encoding="utf-8",
    )
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "units", "link", VH, "--telegram", str(VH_CHAT), "--zalo", GROUP).code == 0
    assert run_cli(capsys, "units", "link", LEADERS, "--telegram", str(LD_CHAT)).code == 0
    yield telegram, zalo
    telegram.stop()
    zalo.stop()


def _once(capsys: pytest.CaptureFixture[str], at: str) -> None:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err


def _reminders(zalo: FakeZalo) -> list[str]:
    return [t for t in zalo.texts(GROUP) if t.startswith(f"[Nhắc việc] {VH} —")]  # not the weekly summary


def _story(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int, str]]:
    log = run_cli(capsys, "log", "--json").json()
    return [(r["channel"], r["follow_up"], r["status"]) for r in log if r["unit"] == VH and r["kind"] == "reminder"]


def test_an_unacknowledged_digest_follows_up_on_the_next_channel_and_an_ack_there_ends_the_chain(
    both: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram, zalo = both
    _once(capsys, "2026-11-27T08:00")
    assert _story(capsys) == [("telegram", 0, "sent")]
    assert _reminders(zalo) == []  # Telegram first; Zalo only if nobody answers there
    assert not [m for m in telegram.messages(LD_CHAT) if m.text.startswith("[Nhắc việc] Kính gửi")]
    _once(capsys, "2026-11-27T09:59")
    assert _reminders(zalo) == []
    _once(capsys, "2026-11-27T10:00")  # two working hours without an acknowledgement
    [follow_up] = _reminders(zalo)
    assert "⚠️ Nhắc lại qua kênh khác: bản tin đã gửi qua Telegram lúc 08:00 27/11/2026 chưa được xác nhận." in follow_up
    digest_id = int(follow_up.split("mã #R")[1].split()[0])
    zalo.say(GROUP, f"#R{digest_id} đã nhận", BINH)
    _once(capsys, "2026-11-27T10:30")
    assert zalo.texts(GROUP)[-1].startswith("Đã ghi nhận")
    shown = next(m for m in telegram.messages(VH_CHAT) if m.text.startswith(f"[Nhắc việc] {VH}"))
    assert "✅ Đã nhận: Phạm Thị Bình, 10:30 27/11/2026" in shown.text  # the ack shows where it was not given
    _once(capsys, "2026-11-27T12:00")  # the chain ended: nothing more goes out for this digest
    _once(capsys, "2026-11-27T14:00")
    assert _story(capsys) == [("telegram", 0, "sent"), ("zalo", 1, "sent")]
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder"]
    assert {r["digest_id"] for r in log} == {digest_id}  # one digest, one story
    assert [(a["by"], a["channel"], a["action"]) for a in log[0]["acks"]] == [("Phạm Thị Bình", "zalo", "received")]
    # Leadership heard of the overdue tasks after the unit's chain ended, not beside it.
    escalation = next(m for m in telegram.messages(LD_CHAT) if m.text.startswith("[Nhắc việc] Kính gửi"))
    sent = {r["kind"]: r["sent_at"] for r in run_cli(capsys, "log", "--json").json() if r["unit"] == LEADERS}
    assert escalation and sent["leadership"] >= "2026-11-27T03:30"  # 10:30 Vietnam time, once Zalo answered


def test_a_chain_nobody_answers_tries_every_linked_channel_once_then_ends(
    both: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, zalo = both
    _once(capsys, "2026-11-27T08:00")
    _once(capsys, "2026-11-27T10:00")
    _once(capsys, "2026-11-27T12:00")  # Zalo's hours waited for too: the chain is over
    _once(capsys, "2026-11-27T16:30")
    _once(capsys, "2026-11-30T09:00")
    assert _story(capsys) == [("telegram", 0, "sent"), ("zalo", 1, "sent")]
    assert len(_reminders(zalo)) == 1
    sent = {r["kind"]: r["sent_at"] for r in run_cli(capsys, "log", "--json").json() if r["unit"] == LEADERS}
    assert sent["leadership"] >= "2026-11-27T05:00"  # at 12:00, when the unanswered chain ended
