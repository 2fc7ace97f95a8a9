#!/usr/bin/env python3
"""The daemon's resident memory when idle: the sample plan imported, `notifier run` started on a
fresh SQLite database, its first tick done (every digest sent), then RSS read from /proc every
--every seconds for --minutes. With --telegram (the default) the daemon is configured with a bot
token against the tests' local Bot API server, so its poller long-polls all the while.

    .venv/bin/python bench/idle_memory.py [--minutes 10] [--every 30] [--no-telegram]

The figures: RSS after the first tick, at the end, and the slope of a least-squares line through
the samples after the first minute (MiB a minute: a creep shows there, a one-off peak does not).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "notifier" / "samples" / "ke-hoach-dan-van-2026-thai-tan.txt"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@contextlib.contextmanager
def bot_api(enabled: bool) -> Iterator[dict[str, str]]:
    """The variables that configure Telegram against a local Bot API server (none when disabled)."""
    if not enabled:
        yield {}
        return
    from tests.fake_telegram import FakeTelegram

    fake = FakeTelegram()
    fake.start()
    try:
        yield {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_URL": fake.url}
    finally:
        fake.stop()


def slope(samples: list[tuple[float, float]]) -> float:
    """MiB a minute, least squares over (seconds, MiB)."""
    if len(samples) < 2:
        return 0.0
    return statistics.linear_regression([t for t, _ in samples], [m for _, m in samples]).slope * 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=30)
    parser.add_argument("--no-telegram", dest="telegram", action="store_false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bot_api(args.telegram) as telegram:
        env = {
            **os.environ,
            "NOTIFIER_DATA_DIR": tmp,
            "NOTIFIER_CONFIG_DIR": str(ROOT / "config"),
            "NOTIFIER_CONSOLE_FILE": str(Path(tmp) / "console.jsonl"),
            **telegram,
        }
        env.pop("DATABASE_URL", None)
        command = [sys.executable, "-m", "notifier"]
        subprocess.run([*command, "import", str(SAMPLE)], env=env, cwd=tmp, check=True, capture_output=True)
        daemon = subprocess.Popen(
            [*command, "run", "--now", "2026-11-27T08:00"],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            samples = _sample(daemon.pid, args.minutes * 60, args.every)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    steady = [(t, m) for t, m in samples if t >= 60] or samples
    print(
        f"daemon RSS{' with Telegram' if args.telegram else ''}: {samples[0][1]:.1f} MiB after the first tick, "
        f"{samples[-1][1]:.1f} MiB after {samples[-1][0] / 60:.1f} min (max {max(m for _, m in samples):.1f}); "
        f"slope after the first minute {slope(steady):+.3f} MiB/min"
    )


def _sample(pid: int, seconds: float, every: float) -> list[tuple[float, float]]:
    time.sleep(10)  # the first tick: import of the service's parts, the scan, the sends
    samples, started = [], time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        samples.append((elapsed, rss_mib(pid)))
        if os.environ.get("BENCH_VERBOSE"):
            print(f"  {elapsed:6.0f} s {samples[-1][1]:.1f} MiB", file=sys.stderr)
        if elapsed >= seconds:
            return samples
        time.sleep(min(every, seconds - elapsed) if seconds > elapsed else every)


if __name__ == "__main__":
    main()
