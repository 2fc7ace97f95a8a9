"""Transient failures retry with backoff; permanent ones are recorded, stop retrying and show."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notifier.channels.base import ChannelError, OnWire, Outbound, SendResult, nothing
from notifier.channels.console import ConsoleChannel
from notifier.clock import Clock
from notifier.reports.log import log_records, status_record
from notifier.runtime import build_runtime, run_pass, sync_all_tracks
from notifier.settings import Settings
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE

AT_8 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


@pytest.fixture
def imported(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    return workdir


def test_a_transient_failure_is_retried_after_the_backoff(
    imported: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = imported / "not-yet"
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(folder / "console.jsonl"))
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "2")
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00")
    log = run_cli(capsys, "log", "--json").json()
    # Each unit's first delivery failed once; a unit's second one waits behind it (order per target).
    assert sorted(r["attempts"] for r in log) == [0, 0, 1, 1, 1, 1, 1, 1]
    assert {r["status"] for r in log} == {"pending"}
    assert all("không ghi được" in r["error"] for r in log if r["attempts"])
    folder.mkdir()
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00")  # the backoff (2 s, wall clock) is not over
    assert {r["status"] for r in run_cli(capsys, "log", "--json").json()} == {"pending"}
    time.sleep(2.1)
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00")
    log = run_cli(capsys, "log", "--json").json()
    assert {(r["status"], r["error"]) for r in log} == {("sent", None)}
    assert sorted(r["attempts"] for r in log) == [1, 1, 2, 2, 2, 2, 2, 2]
    assert len((folder / "console.jsonl").read_text(encoding="utf-8").splitlines()) == len(log)


class RefusingChannel(ConsoleChannel):
    """Answers like a chat whose bot was removed: permanently."""

    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        raise ChannelError("403 Forbidden: bot was kicked from the group chat", permanent=True)


def test_a_permanent_failure_is_recorded_not_retried_and_shown_in_status(
    imported: Path, settings: Settings, engine: Engine
) -> None:
    runtime = build_runtime(settings, engine, Clock(AT_8))
    runtime.channels["console"] = RefusingChannel()
    sync_all_tracks(runtime, AT_8)
    result = asyncio.run(run_pass(runtime, AT_8))
    assert result.sent == 0
    log = log_records(engine)
    assert {(r.status, r.attempts) for r in log} == {("failed", 1)}
    assert asyncio.run(run_pass(runtime, datetime(2026, 11, 27, 3, 0, tzinfo=UTC))).sent == 0
    assert {r.attempts for r in log_records(engine)} == {1}
    status = status_record(engine, AT_8, settings.configured_channels)
    assert status.deliveries == {"failed": 8}
    assert "Phòng Kinh tế (console: Phòng Kinh tế)" in status.failing_links
