"""Real `notifier` processes for the tests that kill, signal or restart them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def notifier(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One command to its end; ``env`` adds to the test's environment. With NOTIFIER_TEST_KILL_AT
    it runs through ``tests/kill_points.py`` and dies at that point of a send."""
    return subprocess.run(
        [*command(env), *args],
        cwd=workdir,
        env={**os.environ, **env, **({"PYTHONPATH": ROOT_DIR} if env.get("NOTIFIER_TEST_KILL_AT") else {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


ROOT_DIR = str(Path(__file__).resolve().parent.parent)


def command(env: dict[str, str]) -> list[str]:
    """How to start notifier: as users do, or through the crash tests' kill points."""
    return [sys.executable, "-m", "tests.kill_points" if env.get("NOTIFIER_TEST_KILL_AT") else "notifier"]


def log_of(workdir: Path) -> list[dict[str, Any]]:
    """`notifier log --json`, read by another process as an operator would."""
    result = notifier(workdir, "log", "--json")
    assert result.returncode == 0, result.stderr
    records: list[dict[str, Any]] = json.loads(result.stdout)
    return records


@contextmanager
def daemon(workdir: Path, *args: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    """`notifier run ARGS` in the background; killed if the test leaves it running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier", "run", *args],
        cwd=workdir,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def first_seen(deliveries: list[int]) -> list[int]:
    """The order in which a chat first received each delivery (a resent one keeps its first place)."""
    seen: list[int] = []
    for delivery in deliveries:
        if delivery not in seen:
            seen.append(delivery)
    return seen
