#!/usr/bin/env python3
"""A province on PostgreSQL: 170 units, up to a million active tracks, 1 % of them due in a tick,
worked by 1 and by 3 replicas at once. What one tick costs the cluster, as ratios to the
10,000-track case: the scan (due tracks → reminders and digests), sealing (digests → delivery
rows), and delivering them through the outbox (claim, render, send, record) to the console
channel, so the figure is our own machinery's cost, not a provider's limit (Telegram allows 25
sends a second per bot whatever we do). Also each replica's peak memory, and the query plans of
the scan and of the claim.

    .venv/bin/python bench/province_bench.py --database-url postgresql://postgres@127.0.0.1:5432/test
        [--sizes 10000 1000000] [--replicas 1 3] [--units 170]

The database's public schema is dropped and filled for each case. Rows are bulk-inserted as in
bench/scan_bench.py; each replica is a process of its own (multiprocessing, spawn).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scan_bench  # a sibling script: the same bulk rows

from notifier.channels.console import ConsoleChannel
from notifier.db.engine import make_engine, upgrade_schema
from notifier.delivery.dispatch import Dispatcher, deliver_due, seal_due_digests
from notifier.schedule.policy import Policy
from notifier.schedule.scan import scan
from notifier.settings import DEFAULT_TEMPLATES
from notifier.units.models import Unit

NOW = scan_bench.NOW


@dataclass(frozen=True)
class Phases:
    """One replica's tick: wall-clock stamps (time.time, comparable across processes) and counts."""

    scan: tuple[float, float]
    seal: tuple[float, float]
    send: tuple[float, float]
    reminders: int
    digests: int
    sent: int
    peak_mib: float
    plans: dict[str, str]


def _console(session: Session, unit: Unit) -> list[tuple[str, str]]:
    return [("console", unit.name)]


def _captured(engine: Engine) -> dict[str, tuple[str, Any]]:
    """The first scan and claim statements as sent to the server, for EXPLAIN afterwards."""
    seen: dict[str, tuple[str, Any]] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "SKIP LOCKED" not in statement:
            return
        name = "scan" if "FROM track" in statement else "claim" if "FROM delivery" in statement else ""
        if name and name not in seen:
            seen[name] = (statement, parameters)

    return seen


def _explain(engine: Engine, seen: dict[str, tuple[str, Any]]) -> dict[str, str]:
    plans = {}
    with engine.connect() as conn:
        for name, (statement, parameters) in seen.items():
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans[name] = "\n".join(f"    {row[0]}" for row in rows)
    return plans


def replica(url: str, start: Any, explain: bool) -> Phases:
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the console channel prints every message
    engine = make_engine(url)
    seen = _captured(engine)
    policy = Policy()
    dispatcher = Dispatcher(engine, {"console": ConsoleChannel()}, DEFAULT_TEMPLATES, policy.calendar, (1.0,))
    start.wait()
    t0 = time.time()
    reminders = scan(engine, policy, NOW)
    t1 = time.time()
    digests = seal_due_digests(engine, NOW, _console, policy)
    t2 = time.time()
    sent = asyncio.run(deliver_due(dispatcher, NOW))
    t3 = time.time()
    plans = _explain(engine, seen) if explain else {}
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Phases((t0, t1), (t1, t2), (t2, t3), reminders, digests, sent, peak, plans)


def _span(phases: list[Phases], name: str) -> float:
    stamps: list[tuple[float, float]] = [getattr(p, name) for p in phases]
    return max(end for _, end in stamps) - min(begin for begin, _ in stamps)


def run_case(url: str, size: int, units: int, replicas: int) -> list[Phases]:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(engine)
    scan_bench.UNITS = units
    scan_bench.populate(engine, size, size // 100, spread=True)
    engine.dispose()
    context = multiprocessing.get_context("spawn")
    start = context.Manager().Barrier(replicas)
    with context.Pool(replicas) as pool:
        waiting = [pool.apply_async(replica, (url, start, i == 0)) for i in range(replicas)]
        return [w.get(timeout=3600) for w in waiting]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True, help="PostgreSQL (its public schema is dropped!)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--units", type=int, default=170)
    args = parser.parse_args()
    url = "postgresql+psycopg://" + args.database_url.split("://", 1)[1]
    print(f"{args.units} units, 1 % of the tracks due, PostgreSQL; {os.cpu_count()} cores")
    print(f"{'tracks':>10} {'replicas':>8} {'scan':>9} {'due/s':>8} {'seal':>8} {'send':>8} {'sent/s':>7} {'MiB':>11}")
    base: dict[int, float] = {}
    plans: dict[str, str] = {}
    with tempfile.TemporaryDirectory():
        for size in args.sizes:
            for count in args.replicas:
                phases = run_case(url, size, args.units, count)
                scan_s, seal_s, send_s = (_span(phases, n) for n in ("scan", "seal", "send"))
                sent = sum(p.sent for p in phases)
                base.setdefault(count, scan_s)
                memory = "/".join(f"{p.peak_mib:.0f}" for p in phases)
                print(
                    f"{size:>10,} {count:>8} {scan_s:>8.2f}s {size // 100 / scan_s:>8,.0f} {seal_s:>7.2f}s "
                    f"{send_s:>7.2f}s {sent / send_s if send_s else 0:>7,.0f} {memory:>11}"
                    f"   scan ×{scan_s / base[count]:.1f} of the first size; "
                    f"{sum(p.reminders for p in phases):,} reminders, "
                    f"{sum(p.digests for p in phases)} digests, {sent} sent",
                    flush=True,
                )
                plans |= {f"{k} ({size:,} tracks)": v for p in phases for k, v in p.plans.items()}
    for name, plan in plans.items():
        print(f"\nquery plan, {name}:\n{plan}")


if __name__ == "__main__":
    main()
