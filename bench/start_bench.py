#!/usr/bin/env python3
"""Start-up as the operator waits for it: `notifier --help` and `notifier report --help` in a cold
process each run, paired with a baseline beside it (`python -c pass`: the interpreter's own
start), so the ratio holds on a noisy machine; and the peak resident memory of `notifier --help`.

    .venv/bin/python bench/start_bench.py [--pairs 15]

Prints each command's median wall time, the ratio to the baseline (median of the pairs) and the
peak memory. Issue 18's target: `notifier --help` under 0.4 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

NOTIFIER = str(Path(sys.executable).with_name("notifier"))


def run(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_mib(command: list[str]) -> float:
    probe = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True)
    return int(out.stdout) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    baseline = [sys.executable, "-c", "pass"]
    for command in ([NOTIFIER, "--help"], [NOTIFIER, "report", "--help"]):
        run(command)  # warm the file cache: the bench times imports, not the disk
        pairs = [(run(command), run(baseline)) for _ in range(args.pairs)]
        median = statistics.median(t for t, _ in pairs)
        base = statistics.median(b for _, b in pairs)
        ratio = statistics.median(t / b for t, b in pairs)
        print(
            f"{' '.join(Path(command[0]).name for _ in [0])} {' '.join(command[1:])}: {median * 1000:.0f} ms "
            f"(python -c pass {base * 1000:.0f} ms, ratio {ratio:.2f})"
        )
    print(f"peak memory of notifier --help: {peak_mib([NOTIFIER, '--help']):.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
