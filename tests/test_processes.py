"""Real processes: a SIGKILL between the delivery row and the send, and between the send and the
update, then a restart — the channel receives every digest exactly once. And the daemon stops
cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.processes import daemon, log_of, notifier

NOW = "2026-11-27T08:00"
DIGESTS_AT_NOW = 8


def _received(workdir: Path) -> Counter[str]:
    path = workdir / "console.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return Counter(json.loads(line)["key"] for line in lines)


@pytest.fixture
def imported(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTIFIER_CONSOLE_FILE", str(workdir / "console.jsonl"))
    assert notifier(workdir, "import", str(SAMPLE)).returncode == 0
    return workdir


@pytest.mark.parametrize(("point", "received_before_restart"), [("after_claim", 0), ("after_send", 1)])
def test_sigkill_mid_delivery_then_restart_loses_nothing_and_repeats_nothing(
    imported: Path, point: str, received_before_restart: int
) -> None:
    killed = notifier(imported, "run", "--once", "--now", NOW, NOTIFIER_TEST_KILL_AT=point)
    assert killed.returncode == -signal.SIGKILL
    assert sum(_received(imported).values()) == received_before_restart
    statuses = Counter(r["status"] for r in log_of(imported))
    assert statuses == Counter({"sending": 1, "pending": DIGESTS_AT_NOW - 1})

    restarted = notifier(imported, "run", "--once", "--now", NOW)
    assert restarted.returncode == 0, restarted.stderr
    received = _received(imported)
    assert len(received) == DIGESTS_AT_NOW and set(received.values()) == {1}
    log = log_of(imported)
    assert Counter(r["status"] for r in log) == Counter({"sent": DIGESTS_AT_NOW})
    assert all(r["error"] is None for r in log)
    interrupted = [r for r in log if r["note"]]
    assert len(interrupted) == 1
    expected = "kênh xác nhận đã gửi" if point == "after_send" else "kênh xác nhận chưa gửi"
    assert expected in interrupted[0]["note"]
    assert notifier(imported, "run", "--once", "--now", NOW).returncode == 0
    assert sum(_received(imported).values()) == DIGESTS_AT_NOW


def test_the_daemon_runs_beats_and_stops_cleanly_on_sigterm(imported: Path) -> None:
    with daemon(imported, "--now", NOW) as running:
        deadline = time.monotonic() + 60
        while sum(_received(imported).values()) < DIGESTS_AT_NOW and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sum(_received(imported).values()) == DIGESTS_AT_NOW
        status = json.loads(notifier(imported, "status", "--json").stdout)
        deadline = time.monotonic() + 10
        while not status["daemon"]["alive"] and time.monotonic() < deadline:
            time.sleep(0.2)
            status = json.loads(notifier(imported, "status", "--json").stdout)
        assert status["daemon"]["alive"] and status["daemon"]["pid"] == running.pid
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 0
    assert "Traceback" not in (running.stderr.read() if running.stderr else "")
    assert sum(_received(imported).values()) == DIGESTS_AT_NOW


def test_a_second_service_on_the_same_sqlite_file_is_refused_while_the_first_runs(imported: Path) -> None:
    from notifier.settings import load_settings

    if not load_settings().database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL runs replicas: nothing is held")
    with daemon(imported, "--now", NOW) as running:
        deadline = time.monotonic() + 60
        while sum(_received(imported).values()) < DIGESTS_AT_NOW and time.monotonic() < deadline:
            time.sleep(0.2)  # the first service is up and has sent
        second = notifier(imported, "run", "--once", "--now", NOW)
        assert second.returncode == 2
        assert f"một tiến trình «notifier run» khác (pid {running.pid}) đang chạy" in second.stderr
        assert "dùng PostgreSQL (DATABASE_URL)" in second.stderr
        assert notifier(imported, "status", "--json").returncode == 0  # reading is never refused
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 0
    assert notifier(imported, "run", "--once", "--now", NOW).returncode == 0  # free once it stopped
    assert sum(_received(imported).values()) == DIGESTS_AT_NOW  # and nothing went twice meanwhile
