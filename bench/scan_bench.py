#!/usr/bin/env python3
"""Scan cost against plan size: 10k, 100k and 1M assignments, with 1 % of them due, and with a
fixed 100 due. The figure that matters is how the time grows: with the number due, not with the
number of assignments.

    .venv/bin/python bench/scan_bench.py [--sizes 10000 100000 1000000] [--database-url URL]

Rows are bulk-inserted straight into the tables (10 units per task, one occurrence per task,
one track per assignment); the scan is the real one and writes real reminders and digests.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from notifier.clock import at_vietnam
from notifier.db.engine import make_engine, upgrade_schema
from notifier.migrations.tables import Assignment, Occurrence, Plan, Task, Track, Unit
from notifier.schedule.policy import Policy
from notifier.schedule.scan import scan

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
UNITS = 10
CHUNK = 20_000


def _bulk(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(model), rows[i : i + CHUNK])


def populate(engine: Engine, assignments: int, due: int, *, spread: bool = False) -> None:
    """``spread``: the due tracks fall on every unit, each a lead's (which has a step that opens
    with the window) rather than on the few units one stride of assignments lands on."""
    tasks = -(-assignments // UNITS)  # the last task may have fewer units
    every = _stride(assignments, due, spread)
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
            for u in range(UNITS)
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
            "unit_id": (a - 1) % UNITS + 1,
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


def _stride(assignments: int, due: int, spread: bool) -> int:
    every = max(1, assignments // due)
    while spread and math.gcd(every, UNITS) > 1:
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


def measure(url: str | None, assignments: int, due: int, workdir: Path) -> tuple[float, int]:
    engine = make_engine(url or f"sqlite:///{workdir / f'scan-{assignments}-{due}-{time.monotonic_ns()}.sqlite3'}")
    if url:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(engine)
    populate(engine, assignments, due)
    started = time.perf_counter()
    written = scan(engine, Policy(), NOW)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--database-url", help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    url = args.database_url and "postgresql+psycopg://" + args.database_url.split("://", 1)[1]
    print(f"{'assignments':>12} {'due':>7} {'scan':>10} {'per due item':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for due in (size // 100, 100):
                seconds, written = measure(url, size, due, Path(tmp))
                print(
                    f"{size:>12,} {due:>7,} {seconds * 1000:>8.0f} ms {seconds / due * 1000:>11.2f} ms"
                    f"   ({written:,} reminders written)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
