#!/usr/bin/env python3
"""Import speed as the office waits for it: the whole `notifier import` command, a cold process,
into a new database, beside a baseline run in turn with it (`notifier plans`: on a new database
for a first import, start-up and migrations; on the same database for a re-import), so the
difference is the import's own work.

    .venv/bin/python bench/import_bench.py [--rows 5000] [--repeat 3] [--database-url URL]

For each plan (the bundled sample, a generated catalogue of --rows rows): the first import, then
the same file imported again (the identity-matching path), each the median of --repeat cold runs
with the peak resident memory of the process. With --database-url (PostgreSQL: use a database
of its own, its public schema is dropped before each run) instead of a SQLite file.
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

from sqlalchemy import text

from notifier.db.engine import make_engine
from notifier.settings import load_settings

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


def cold(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One command in a new process: wall seconds and peak resident MiB."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "notifier", *args], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"notifier {' '.join(args)}: exit {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


class Database:
    """A new, empty database for each run: a SQLite file, or the given PostgreSQL one emptied."""

    def __init__(self, url: str | None, workdir: Path) -> None:
        self.url, self.workdir, self.runs = url, workdir, 0

    def fresh(self) -> str:
        self.runs += 1
        if self.url is None:
            return f"sqlite:///{self.workdir / f'run-{self.runs}.sqlite3'}"
        engine = make_engine(load_settings({"DATABASE_URL": self.url}, None).database_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return self.url


def bench(plan: Path, repeat: int, database: Database, label: str) -> None:
    env = {**os.environ, "NOTIFIER_CONFIG_DIR": str(ROOT / "config"), "PYTHONPATH": str(ROOT)}
    env |= {"NOTIFIER_NOW": "2026-11-27T08:00", "NOTIFIER_DATA_DIR": str(database.workdir)}
    new, warm, first, again = [], [], [], []
    for _ in range(repeat):
        new.append(cold(["plans"], env | {"DATABASE_URL": database.fresh()}))
        url = database.fresh()
        first.append(cold(["import", str(plan)], env | {"DATABASE_URL": url}))
        again.append(cold(["import", str(plan)], env | {"DATABASE_URL": url}))
        warm.append(cold(["plans"], env | {"DATABASE_URL": url}))
    # A first import is measured against start-up on a new database (migrations included), a
    # re-import against start-up on the database it imports into.
    for name, runs, base in (("first import", first, new), ("re-import", again, warm)):
        seconds = statistics.median(s for s, _ in runs)
        peak = max(m for _, m in runs)
        work = statistics.median(s - b for (s, _), (b, _) in zip(runs, base, strict=True))
        print(f"{label:<22} {name:<13} {seconds:7.2f} s   beyond start-up {work:6.2f} s   peak {peak:6.1f} MiB")
    for name, base in (("new database", new), ("the same one", warm)):
        print(f"{label:<22} {'baseline':<13} {statistics.median(s for s, _ in base):7.2f} s   (notifier plans, {name})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(args.database_url, Path(tmp))
        bench(SAMPLE, args.repeat, database, "sample (24 tasks)")
        big = generated_plan(Path(tmp) / "big.txt", args.rows)
        bench(big, args.repeat, database, f"generated ({args.rows} rows)")


if __name__ == "__main__":
    main()
