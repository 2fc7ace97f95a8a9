"""One clock per process: nothing in notifier reads the real time except through notifier/clock.py,
and every read of the machine's time there (``wall_time``) says why on its line or the one above."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from notifier.clock import Clock
from tests.cli_runner import run_cli

PACKAGE = Path(__file__).resolve().parent.parent / "notifier"
CLOCK_MODULE = PACKAGE / "clock.py"
# Attribute calls that read the real time: datetime.now(), date.today(), time.time(), …
REAL_TIME_CALLS = {"now", "today", "utcnow", "time", "time_ns", "monotonic", "perf_counter", "localtime", "gmtime"}
REAL_TIME_OWNERS = {"datetime", "date", "time"}


def _real_time_reads(path: Path) -> list[str]:
    """Calls such as ``datetime.now()``, ``dt.date.today()``, ``time.monotonic()``, ``utcnow()``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in REAL_TIME_CALLS:
            owner = func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in REAL_TIME_OWNERS:
                found.append(f"{path.name}:{node.lineno} {name}.{func.attr}()")
        if isinstance(func, ast.Name) and func.id in {"utcnow", "monotonic", "time_ns"}:
            found.append(f"{path.name}:{node.lineno} {func.id}()")
    return found


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_nothing_but_the_clock_module_reads_the_real_time() -> None:
    reads = [read for path in _sources() if path != CLOCK_MODULE for read in _real_time_reads(path)]
    assert reads == []


def test_the_clock_module_reads_the_real_time_in_three_places_only() -> None:
    assert len(_real_time_reads(CLOCK_MODULE)) == 3


def test_every_use_of_the_machines_time_says_why() -> None:
    unexplained = []
    for path in _sources():
        if path == CLOCK_MODULE:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "wall_time()" in line:
                context = line + (lines[number - 1] if number else "")
                if "real time:" not in context:
                    unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{number + 1}")
    assert unexplained == []


def test_the_source_walk_would_catch_a_direct_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nfrom datetime import date\nx = dt.datetime.now()\ny = date.today()\n")
    assert len(_real_time_reads(sample)) == 2


def test_a_fixed_clock_never_moves_and_needs_a_zone() -> None:
    moment = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    clock = Clock.from_option(None, moment)
    assert clock.now() == clock() == moment
    assert Clock.from_option(datetime(2027, 1, 4, 1, 0, tzinfo=UTC), moment).now().year == 2027
    with pytest.raises(ValueError):
        Clock(datetime(2026, 11, 27, 8, 0))


@pytest.mark.parametrize("where", ["before", "after"])
def test_every_command_takes_now_before_or_after_its_name(
    where: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now, command = ["--now", "2026-11-28T09:00"], ["units", "link-code", "Phòng Kinh tế"]
    args = [*now, *command] if where == "before" else [*command, *now]
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    assert "hết hạn lúc 09:00 30/11/2026" in result.out
