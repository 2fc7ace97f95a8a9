#!/usr/bin/env python3
"""The daemon's resident memory when idle: the sample plan imported, `notifier run` started on a
fresh SQLite database, its first tick done (every digest sent), then RSS read from /proc.

    .venv/bin/python bench/idle_memory.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "notifier" / "samples" / "ke-hoach-dan-van-2026-thai-tan.txt"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "NOTIFIER_DATA_DIR": tmp,
            "NOTIFIER_CONFIG_DIR": str(ROOT / "config"),
            "NOTIFIER_CONSOLE_FILE": str(Path(tmp) / "console.jsonl"),
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
            time.sleep(args.seconds)
            after_first_tick = rss_mib(daemon.pid)
            time.sleep(args.seconds)
            idle = rss_mib(daemon.pid)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        sent = len((Path(tmp) / "console.jsonl").read_text().splitlines())
        print(
            f"daemon RSS after first tick: {after_first_tick:.1f} MiB; {args.seconds:.0f} s later: {idle:.1f} MiB "
            f"({sent} digests sent)"
        )


if __name__ == "__main__":
    main()
