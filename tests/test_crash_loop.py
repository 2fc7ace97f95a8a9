"""Crash loop: the service, against the local Bot API server, killed by SIGKILL at random points
(after a claim, after a send) across many passes and days, restarted each time, then run to quiet.
From the server's own record of what each chat received: nothing lost, nothing silently twice,
each chat's digests in order.

Each pass is a real `notifier run --once` process (what cron runs; the daemon runs the same pass
on every tick). CI runs a short version on both databases; CRASH_LOOP_DAYS lengthens it."""

from __future__ import annotations

import os
import random
import signal
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from notifier.schedule.calendar import WorkingCalendar
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.fake_telegram import FakeTelegram
from tests.processes import first_seen, log_of, notifier

UNITS = [
    "Văn phòng HĐND và UBND xã",
    "Phòng Văn hóa - Xã hội",
    "Phòng Kinh tế",
    "Trung tâm Phục vụ hành chính công",
    "Trung tâm Dịch vụ sự nghiệp công",
    "Lãnh đạo UBND xã",
]
KILL_POINTS = ["after_claim", "after_send"]


@pytest.fixture
def bot(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    monkeypatch.setenv("TELEGRAM_API_URL", fake.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    assert run_cli(capsys, "--now", "2026-11-02T07:00", "import", str(SAMPLE)).code == 0
    for n, unit in enumerate(UNITS):
        fake.add_chat(-3000 - n, unit)
        assert run_cli(capsys, "units", "link", unit, "--telegram", str(-3000 - n)).code == 0
    yield fake
    fake.stop()


def _run(workdir: Path, at: str, kill: str = "") -> int:
    done = notifier(workdir, "run", "--once", "--now", at, NOTIFIER_TEST_KILL_AT=kill)
    assert done.returncode in (0, -signal.SIGKILL), done.stderr[-2000:]
    return done.returncode


def _days(count: int) -> list[date]:
    calendar, day, days = WorkingCalendar(), date(2026, 11, 27), []
    while len(days) < count:
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


@pytest.mark.crash_loop
def test_sigkill_at_random_points_across_days_loses_nothing_and_flags_every_duplicate(
    bot: FakeTelegram, workdir: Path
) -> None:
    rng = random.Random(int(os.environ.get("CRASH_LOOP_SEED", "7")))
    kills = passes = 0
    for day in _days(int(os.environ.get("CRASH_LOOP_DAYS", "4"))):
        at = f"{day.isoformat()}T08:00"
        for _ in range(rng.randint(1, 3)):  # die at a random point, perhaps several times a day
            point = f"{rng.choice(KILL_POINTS)}:{rng.randint(1, 4)}"
            passes += 1
            kills += _run(workdir, at, point) == -signal.SIGKILL
        for _ in range(10):  # then run to quiet
            passes += 1
            _run(workdir, at)
            if not {r["status"] for r in log_of(workdir)} & {"pending", "sending"}:
                break
    log = [r for r in log_of(workdir) if r["channel"] == "telegram"]
    received: dict[str, list[int]] = defaultdict(list)
    for n in range(len(UNITS)):
        for message in bot.messages(-3000 - n):
            delivery = message.delivery()
            if delivery is not None:
                received[str(-3000 - n)].append(delivery)
    # Reminder and escalation digests carry buttons bound to their delivery; the weekly summary has none.
    expected = {(r["target"], r["id"]) for r in log if r["kind"] != "summary"}
    counts = Counter((target, delivery) for target, deliveries in received.items() for delivery in deliveries)
    lost = [key for key in expected if counts[key] == 0]
    flagged = {(r["target"], r["id"]) for r in log if r["note"] and "có thể" in r["note"]}
    silent = [key for key, n in counts.items() if n > 1 and key not in flagged]
    order = {t: first_seen(deliveries) for t, deliveries in received.items()}  # one chat's messages go in this order
    disorder = [t for t, ids in order.items() if ids != sorted(ids)]
    print(
        f"\ncrash loop: {passes} passes, {kills} kills; expected {len(expected)}, received {sum(counts.values())}, "
        f"lost {len(lost)}, silent duplicates {len(silent)}, flagged duplicates "
        f"{sum(n - 1 for k, n in counts.items() if n > 1 and k in flagged)}, out of order {len(disorder)}"
    )
    assert kills >= 3 and len(expected) >= 8
    assert {r["status"] for r in log} == {"sent"}
    assert lost == [] and silent == [] and disorder == []
