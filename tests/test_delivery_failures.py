"""Transient failures retry with backoff; permanent ones are recorded, stop retrying and show."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notifier.channels.base import ChannelError, Outbound
from notifier.channels.console import ConsoleChannel
from notifier.delivery.queries import log_records, status_record
from notifier.runtime import build_runtime, plan, run_pass
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
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00")
    log = run_cli(capsys, "log", "--json").json()
    assert {(r["status"], r["attempts"]) for r in log} == {("pending", 1)}
    assert all("không ghi được" in r["error"] for r in log)
    folder.mkdir()
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00:10")  # the backoff (30 s) is not over
    assert {r["status"] for r in run_cli(capsys, "log", "--json").json()} == {"pending"}
    run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:01")
    log = run_cli(capsys, "log", "--json").json()
    assert {(r["status"], r["attempts"], r["error"]) for r in log} == {("sent", 2, None)}
    assert len((folder / "console.jsonl").read_text(encoding="utf-8").splitlines()) == len(log)


class RefusingChannel(ConsoleChannel):
    """Answers like a chat whose bot was removed: permanently."""

    async def send(self, message: Outbound) -> str:
        raise ChannelError("403 Forbidden: bot was kicked from the group chat", permanent=True)


def test_a_permanent_failure_is_recorded_not_retried_and_shown_in_status(
    imported: Path, settings: Settings, engine: Engine
) -> None:
    runtime = build_runtime(settings, engine)
    runtime.channels["console"] = RefusingChannel()
    plan(runtime, AT_8)
    result = asyncio.run(run_pass(runtime, AT_8))
    assert result.sent == 0
    log = log_records(engine)
    assert {(r["status"], r["attempts"]) for r in log} == {("failed", 1)}
    assert asyncio.run(run_pass(runtime, datetime(2026, 11, 27, 3, 0, tzinfo=UTC))).sent == 0
    assert {r["attempts"] for r in log_records(engine)} == {1}
    status = status_record(engine, AT_8)
    assert status["deliveries"] == {"failed": 8}
    assert "Phòng Kinh tế (console: stdout)" in status["failing_links"]
