#!/usr/bin/env python3
"""The day's roll-over and the preview, on a big plan (default 23,000 rows, about 91,000 tracks):

1. The daemon's daily roll-over, in-process (the daemon does it, nobody waits on a command): the
   first day of a quarter (every quarterly task opens a round) and a quiet day (no round turns),
   each against a full re-plan of every track on the same database, in transactions rolled back,
   the day before rolled over and committed.
2. `notifier due --at … --json`, as the office waits for it, on a database the service has kept
   (`run --once` the day before): a cold process each run, paired with a baseline beside it
   (`notifier plans`: start-up and the database opened, no plan walked).

    .venv/bin/python bench/roll_over_bench.py [--rows 23000] [--pairs 3] [--notifier PATH]

``--notifier`` times another installation's `due --at` (an older commit's .venv/bin/notifier).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bench.import_bench import ROOT, generated_plan
from bench.report_bench import run
from notifier.clock import at_vietnam
from notifier.db.engine import make_engine
from notifier.schedule.models import Track
from notifier.schedule.planner import sync_tracks
from notifier.schedule.policy import Policy, load_policy
from notifier.schedule.roll_over import roll_over

IMPORTED = "2026-01-05T08:00"
DAYS = {"quarter's first day": date(2026, 10, 1), "quiet day": date(2026, 11, 19)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=23_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--notifier", default=str(Path(sys.executable).parent / "notifier"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = dict(os.environ, NOTIFIER_CONFIG_DIR=str(ROOT / "config"), NOTIFIER_DATA_DIR=str(workdir))
        env.pop("DATABASE_URL", None)
        plan = generated_plan(workdir / "big.txt", args.rows)
        run([args.notifier, "import", str(plan), "--plan", "BIG", "--now", IMPORTED], env)
        engine = make_engine(f"sqlite:///{workdir / 'notifier.sqlite3'}")
        with Session(engine) as session:
            tracks = session.exec(select(func.count()).select_from(Track)).one()
        print(f"{args.rows} rows, {tracks} tracks")
        policy = load_policy(ROOT / "config" / "policy.yaml")
        for name, day in DAYS.items():
            _daily(engine, policy, name, day, args.pairs)
        run([args.notifier, "run", "--once", "--now", "2026-11-19T08:00"], env)
        _preview(args.notifier, env, args.pairs)


def _preview(notifier: str, env: dict[str, str], pairs: int) -> None:
    due = [notifier, "due", "--at", "2026-11-20T09:00", "--json", "--now", "2026-11-20T08:00"]
    baseline = [notifier, "plans", "--now", "2026-11-20T08:00"]
    timed = [(run(due, env), run(baseline, env)) for _ in range(pairs)]
    command, base = statistics.median(a for a, _ in timed), statistics.median(b for _, b in timed)
    print(f"due --at: {command:.2f} s, plans {base:.2f} s, beyond start-up {command - base:.2f} s")


def _daily(engine: Engine, policy: Policy, name: str, day: date, pairs: int) -> None:
    with Session(engine) as session:  # the day before, as the daemon left it
        roll_over(session, policy, at_vietnam(day - timedelta(days=1), clock_time(0, 5)))
        session.commit()
    moment = at_vietnam(day, clock_time(0, 5))
    timed = [
        (
            _rolled_back(engine, lambda s: roll_over(s, policy, moment)),
            _rolled_back(engine, lambda s: sync_tracks(s, policy, moment)),
        )
        for _ in range(pairs)
    ]
    rolled, full = statistics.median(a for a, _ in timed), statistics.median(b for _, b in timed)
    print(f"daily roll-over, {name}: {rolled:.2f} s, full re-plan {full:.2f} s, ratio {rolled / full:.3f}")


def _rolled_back(engine: Engine, work: Callable[[Session], object]) -> float:
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(connection) as session:
                start = time.perf_counter()
                work(session)
                session.flush()
                return time.perf_counter() - start
        finally:
            transaction.rollback()


if __name__ == "__main__":
    main()
