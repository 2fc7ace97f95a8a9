#!/usr/bin/env python3
"""The periodic report as the office waits for it: `notifier report --period 2026 --out F.xlsx` on a
generated plan (default 5,000 rows, a fifth of them done, some late), a cold process each run,
paired with a baseline run beside it (`notifier tasks --json` on the same database: the command
that reads the same plan), so the ratio holds on a noisy machine.

    .venv/bin/python bench/report_bench.py [--rows 5000] [--pairs 5]

Prints each command's median wall time, the ratio report/baseline (median of the pairs), and
the report's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session

from bench.import_bench import ROOT, generated_plan
from notifier.clock import parse_vietnam_time
from notifier.db.engine import open_database
from notifier.schedule import progress
from notifier.settings import load_settings

NOW = "2026-12-20T09:00"


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_mib(command: list[str], env: dict[str, str]) -> float:
    """The command's peak resident memory, measured in a process of its own whose one child it is."""
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *command], env=env, check=True, capture_output=True, text=True)
    return int(out.stdout) / 1024


def prepare(workdir: Path, rows: int, env: dict[str, str], notifier: str) -> None:
    """Import from the command line, then finish tasks by the completion rule itself, a month's
    worth in one transaction (a command per task re-plans the whole plan each time; issue 18):
    some on time, some late."""
    plan = generated_plan(workdir / "big.txt", rows)
    command = [notifier, "import", str(plan), "--plan", "BIG", "--now", "2026-01-05T08:00"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    settings = load_settings(env, None)
    engine = open_database(settings)
    for n, month in enumerate(("03", "06", "09", "11")):
        moment = parse_vietnam_time(f"2026-{month}-20T09:00")
        with Session(engine) as session:
            for row in range(n, rows, 20):
                progress.mark_done(session, f"BIG:{row // 50 + 1}.{row % 50 + 1}", moment)
            session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    notifier = str(Path(sys.executable).parent / "notifier")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = dict(os.environ, NOTIFIER_CONFIG_DIR=str(ROOT / "config"), NOTIFIER_DATA_DIR=str(workdir))
        env.pop("DATABASE_URL", None)
        prepare(workdir, args.rows, env, notifier)
        report = [notifier, "report", "--period", "2026", "--out", str(workdir / "r.xlsx"), "--now", NOW]
        baseline = [notifier, "tasks", "--json", "--now", NOW]
        run(report, env), run(baseline, env)  # warm the page cache
        pairs = [(run(report, env), run(baseline, env)) for _ in range(args.pairs)]
        peak = peak_mib(report, env)
    ratio = statistics.median(a / b for a, b in pairs)
    print(
        f"{args.rows} rows: report {statistics.median(a for a, _ in pairs):.2f} s, "
        f"tasks --json {statistics.median(b for _, b in pairs):.2f} s, ratio {ratio:.2f}; "
        f"report peak {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
