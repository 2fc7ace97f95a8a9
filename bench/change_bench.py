#!/usr/bin/env python3
"""One office change on a big plan, as the office waits for it: `notifier done KEY` and
`notifier tasks set-due KEY DATE` on a generated plan (default 5,000 rows, ~20,000 tracks), a cold
process each run, paired with a baseline beside it (`notifier plans`: start-up and the database
opened, no plan walked), so the ratio holds on a noisy machine. A change syncs the tracks of the
task it touched; before issue 18 it re-planned every track of every plan.

    .venv/bin/python bench/change_bench.py [--rows 5000] [--pairs 5] [--notifier PATH]

``--notifier`` times another installation (an older commit's .venv/bin/notifier) on the same
database, for a before/after figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import ROOT, generated_plan
from bench.report_bench import run

NOW = "2026-11-20T09:00"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--notifier", default=str(Path(sys.executable).parent / "notifier"))
    args = parser.parse_args()
    notifier = args.notifier
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = dict(os.environ, NOTIFIER_CONFIG_DIR=str(ROOT / "config"), NOTIFIER_DATA_DIR=str(workdir))
        env.pop("DATABASE_URL", None)
        plan = generated_plan(workdir / "big.txt", args.rows)
        run([notifier, "import", str(plan), "--plan", "BIG", "--now", "2026-01-05T08:00"], env)
        baseline = [notifier, "plans", "--now", NOW]
        results: dict[str, list[tuple[float, float]]] = {"done": [], "set-due": []}
        for n in range(args.pairs):
            key = f"BIG:{n + 1}.{n + 2}"
            done = [notifier, "done", key, "--now", NOW]
            due = [notifier, "tasks", "set-due", f"BIG:{n + 10}.{n + 3}", "31/12/2026", "--yes", "--now", NOW]
            results["done"].append((run(done, env), run(baseline, env)))
            results["set-due"].append((run(due, env), run(baseline, env)))
    for name, pairs in results.items():
        ratio = statistics.median(a / b for a, b in pairs)
        print(
            f"{args.rows} rows: {name} {statistics.median(a for a, _ in pairs):.2f} s, "
            f"plans {statistics.median(b for _, b in pairs):.2f} s, ratio {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
