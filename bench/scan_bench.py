#!/usr/bin/env python3
"""Scan cost against plan size: 10k, 100k and 1M assignments, with 1 % of them due, and with a
fixed 100 due. The figure that matters is how the time grows: with the number due, not with the
number of assignments; and how a tick compares with a naive full scan (every track's steps
computed, nothing written: a lower bound for the naive way) on the same database.

    .venv/bin/python bench/scan_bench.py [--sizes 10000 100000 1000000] [--repeat 3]
                                         [--database-url URL]

Rows are bulk-inserted straight into the tables (10 units per task out of a pool of 500, so the
due items fall on many units; one occurrence per task, one track per assignment); the scan is the
real one and writes real reminders and digests. Each case is populated once (SQLite: copied for
each run) and run --repeat times after a warm-up scan (imports, the holiday calendar); the
figure is the median, with the range. The planner's own states and the daily roll-over are timed
by bench/roll_over_bench.py on an imported plan.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from notifier.clock import at_vietnam, vietnam_time
from notifier.db.engine import make_engine, upgrade_schema
from notifier.migrations.tables import Assignment, Occurrence, Plan, Task, Track, Unit
from notifier.schedule.planner import plot_for
from notifier.schedule.policy import Policy
from notifier.schedule.scan import scan
from notifier.schedule.steps import fallen_due

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
UNITS = 10
CHUNK = 20_000


def _bulk(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(model), rows[i : i + CHUNK])


def populate(engine: Engine, assignments: int, due: int, *, spread: bool = False, pool: int | None = None) -> None:
    """``spread``: the due tracks fall on every unit, each a lead's (which has a step that opens
    with the window) rather than on the few units one stride of assignments lands on. ``pool``:
    the units a task's UNITS are drawn from (by default, UNITS: every task has the same units)."""
    pool = max(pool or UNITS, UNITS)
    tasks = -(-assignments // UNITS)  # the last task may have fewer units
    every = _stride(assignments, due, spread, pool)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    _bulk(
        engine,
        Unit,
        [
            {
                "id": u + 1,
                "name": f"Đơn vị {u + 1}",
                "kind": "phòng",
                "head": "",
                "is_group": False,
                "active": True,
                "created_at": created,
                "updated_at": created,
            }
            for u in range(pool)
        ],
    )
    _bulk(
        engine,
        Plan,
        [
            {
                "id": 1,
                "code": "BENCH-2026",
                "title": "Kế hoạch thử tải",
                "year": 2026,
                "created_at": created,
                "updated_at": created,
            }
        ],
    )
    _bulk(engine, Task, [_task(t, created) for t in range(1, tasks + 1)])
    _bulk(
        engine,
        Occurrence,
        [
            {
                "id": t,
                "task_id": t,
                "period": "once",
                "window_start": date(2026, 1, 1),
                "due": date(2026, 12, 31),
                "status": "open",
            }
            for t in range(1, tasks + 1)
        ],
    )
    rows = [
        {
            "id": a,
            "task_id": (a - 1) // UNITS + 1,
            "unit_id": (a - 1) % pool + 1,  # UNITS consecutive numbers: distinct units
            "role": "lead" if a % UNITS == 1 or (spread and a % every == 1 % every) else "coordinating",
            "active": True,
        }
        for a in range(1, assignments + 1)
    ]
    _bulk(engine, Assignment, rows)
    past, future = NOW - timedelta(hours=1), at_vietnam(date(2027, 6, 1), NOW.time())
    _bulk(
        engine,
        Track,
        [
            {
                "id": a,
                "assignment_id": a,
                "occurrence_id": (a - 1) // UNITS + 1,
                "next_at": past if a % every == 1 % every else future,
                "next_step": "window_open",
            }
            for a in range(1, assignments + 1)
        ],
    )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def _stride(assignments: int, due: int, spread: bool, pool: int) -> int:
    every = max(1, assignments // due)
    while spread and math.gcd(every, pool) > 1:
        every += 1  # coprime with the number of units: the due tracks walk through all of them
    return every


def _task(t: int, created: datetime) -> dict[str, Any]:
    return {
        "id": t,
        "key": f"BENCH-2026:{t}",
        "plan_id": 1,
        "position": t,
        "number": str(t),
        "path": str(t),
        "title": f"Nhiệm vụ {t}",
        "lead_text": "",
        "coordinating_text": "",
        "unit_note": "",
        "deadline_text": "Năm 2026",
        "deadline_kind": "once",
        "window_start": date(2026, 1, 1),
        "due": date(2026, 12, 31),
        "due_day": None,
        "deadline_understood": True,
        "due_set_by_office": False,
        "extras": {},
        "source_where": "",
        "status": "open",
        "created_at": created,
        "updated_at": created,
    }


POOL = 500  # units in the plan; each task has UNITS of them


def measure(url: str | None, assignments: int, due: int, workdir: Path, repeat: int) -> list[tuple[float, int]]:
    """``repeat`` scans of the same populated database: SQLite copied from one populated file,
    PostgreSQL populated again for each."""
    template = workdir / f"scan-{assignments}-{due}.sqlite3"
    if not url:
        _populated(f"sqlite:///{template}", assignments, due)
    runs = []
    for n in range(repeat):
        target = url or f"sqlite:///{shutil.copy(template, workdir / f'run-{n}.sqlite3')}"
        if url:
            _populated(url, assignments, due)
        engine = make_engine(target)
        started = time.perf_counter()
        written = scan(engine, Policy(), NOW)
        runs.append((time.perf_counter() - started, written))
        engine.dispose()
        (workdir / f"run-{n}.sqlite3").unlink(missing_ok=True)
    return runs


def _populated(url: str, assignments: int, due: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(engine)
    populate(engine, assignments, due, spread=True, pool=POOL)
    engine.dispose()


def naive_full_scan(url: str) -> float:
    """Every track's steps computed from its rows, nothing written: what a scan that does not
    index its work by ``next_at`` costs at the least."""
    engine, policy, today = make_engine(url), Policy(), vietnam_time(NOW).date()
    started = time.perf_counter()
    with Session(engine) as session:
        rows = sa_select(Track, Assignment, Occurrence, Task, Plan).where(
            col(Track.assignment_id) == col(Assignment.id), col(Track.occurrence_id) == col(Occurrence.id)
        )
        rows = rows.where(col(Assignment.task_id) == col(Task.id), col(Task.plan_id) == col(Plan.id))
        for track, assignment, occurrence, task, plan in session.execute(rows.execution_options(yield_per=5000)):
            plot = plot_for(policy, task, plan, assignment.role, occurrence)
            fallen_due(plot, policy.calendar, track.last_day, today)
    engine.dispose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    url = args.database_url and "postgresql+psycopg://" + args.database_url.split("://", 1)[1]
    heads = ("assignments", "due", "scan (median, range)", "per due item", "naive", "naive/scan")
    print(" ".join(f"{head:>{width}}" for head, width in zip(heads, (12, 7, 26, 13, 9, 11), strict=True)))
    with tempfile.TemporaryDirectory() as tmp:
        measure(None, 1_000, 10, Path(tmp), 1)  # the warm-up: imports, the holiday calendar
        for size in args.sizes:
            for due in sorted({size // 100, 100}, reverse=True):
                runs = measure(url, size, due, Path(tmp), args.repeat)
                naive = naive_full_scan(url or f"sqlite:///{Path(tmp) / f'scan-{size}-{due}.sqlite3'}")
                _print(size, due, runs, naive)


def _print(size: int, due: int, runs: list[tuple[float, int]], naive: float) -> None:
    times = sorted(seconds for seconds, _ in runs)
    median = statistics.median(times)
    spread = f"{median * 1000:.0f} ms ({times[0] * 1000:.0f}–{times[-1] * 1000:.0f})"
    print(
        f"{size:>12,} {due:>7,} {spread:>26} {median / due * 1000:>10.3f} ms {naive:>7.1f} s {naive / median:>10.0f}×"
        f"   ({runs[0][1]:,} reminders written)",
        flush=True,
    )


if __name__ == "__main__":
    main()
