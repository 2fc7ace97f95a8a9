#!/usr/bin/env python3
"""Import speed: the sample plan, and a generated 5,000-row catalogue, into a fresh SQLite database.

    .venv/bin/python bench/import_bench.py [--rows 5000] [--repeat 5] [--database-url URL]

Prints the median wall time and peak memory (tracemalloc) of each import, first
import and re-import (the identity-matching path) separately.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import Clock
from notifier.db.engine import make_engine, upgrade_schema
from notifier.plans.importer import ImportOptions
from notifier.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "notifier" / "samples" / "ke-hoach-dan-van-2026-thai-tan.txt"
UNITS = ["Phòng Văn hóa - Xã hội", "Phòng Kinh tế", "Văn phòng UBND xã", "Trung tâm Phục vụ hành chính công"]
DEADLINES = ["Năm 2026", "Quý IV", "Thường xuyên", "Hoàn thành trước ngày 10/3/2026", "Hằng quý", "Quý I/2026"]


def generated_plan(path: Path, rows: int) -> Path:
    lines = [
        "KẾ HOẠCH",
        "",
        "Kế hoạch thử tải năm 2026",
        "",
        "TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian",
    ]
    for i in range(rows):
        if i % 50 == 0:
            lines.append(f"{i // 50 + 1}\tMỤC {i // 50 + 1}\t\t\t")
        lines.append(
            f"{i // 50 + 1}.{i % 50 + 1}\tNhiệm vụ số {i} về công tác dân vận và cải cách hành chính\t"
            f"{UNITS[i % 4]}\tCác phòng chuyên môn, đơn vị liên quan; {UNITS[(i + 1) % 4]}\t{DEADLINES[i % 6]}"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def measure(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time of ``repeat`` runs, then one more run under tracemalloc for peak memory
    (tracemalloc slows Python several-fold, so it never times)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def bench(plan: Path, repeat: int, url: str | None, workdir: Path, label: str) -> None:
    settings = load_settings({"NOTIFIER_CONFIG_DIR": str(ROOT / "config"), "NOTIFIER_DATA_DIR": str(workdir)}, None)

    def import_plan(engine: Engine, settings: Settings, plan: Path) -> None:
        """The import action: the plan's rows and the reminder tracks that follow, one transaction."""
        actions.plans.import_plan(Office.load(engine, settings, Clock()), plan, ImportOptions())

    def first() -> None:
        db = workdir / f"{label}-{time.monotonic_ns()}.sqlite3"
        engine = make_engine(url or f"sqlite:///{db}")
        upgrade_schema(engine)
        import_plan(engine, settings, plan)
        engine.dispose()

    engine = make_engine(url or f"sqlite:///{workdir / f'{label}-again.sqlite3'}")
    upgrade_schema(engine)
    import_plan(engine, settings, plan)
    seconds, peak = measure(first, repeat)
    print(f"{label:<22} first import   {seconds * 1000:9.1f} ms   peak {peak:6.1f} MiB")
    seconds, peak = measure(lambda: import_plan(engine, settings, plan), repeat)
    print(f"{label:<22} re-import      {seconds * 1000:9.1f} ms   peak {peak:6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench(SAMPLE, args.repeat, None, workdir, "sample (24 tasks)")
        big = generated_plan(workdir / "big.txt", args.rows)
        bench(big, max(1, args.repeat // 2), None, workdir, f"generated ({args.rows} rows)")


if __name__ == "__main__":
    main()
