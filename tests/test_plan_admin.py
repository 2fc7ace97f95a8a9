"""Looking after imported plans: list them, remove one imported by mistake (its log stays), undo an
office date, refuse impossible dates, and short task keys while they are unambiguous."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import REAL_PLANS, SAMPLE

HCM = REAL_PLANS / "05_hcm-2820-csdl-quy-hoach.txt"
K = "KH-dan-van-2026:"


def _codes(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict[str, Any]]:
    return {p["code"]: p for p in run_cli(capsys, "plans", "--json", *extra).json()}


def test_plans_are_listed_and_one_removed_keeps_its_log_until_imported_again(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "import", str(HCM)).code == 0
    plans = _codes(capsys)
    assert set(plans) == {"KH-dan-van-2026", "2820-QD-UBND-2025"}
    assert plans["KH-dan-van-2026"]["tasks"] == 24 and plans["KH-dan-van-2026"]["format"] == "text"
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    log_before = run_cli(capsys, "log", "--json").json()
    assert log_before

    removed = run_cli(capsys, "plans", "remove", "KH-dan-van-2026", "--json")
    assert removed.code == 0 and removed.json() == {"code": "KH-dan-van-2026", "tasks_archived": 24}
    assert set(_codes(capsys)) == {"2820-QD-UBND-2025"}
    assert _codes(capsys, "--all")["KH-dan-van-2026"]["removed_at"]
    assert not [t for t in run_cli(capsys, "tasks", "--json").json() if t["plan"] == "KH-dan-van-2026"]
    assert run_cli(capsys, "log", "--json").json() == log_before  # who was told what stays on record
    due = run_cli(capsys, "due", "--at", "2026-12-01T08:00", "--json").json()
    assert "KH-dan-van-2026" not in str(due)

    again = run_cli(capsys, "import", str(SAMPLE), "--json").json()
    assert len(again["restored"]) == 24 and set(_codes(capsys)) == {"KH-dan-van-2026", "2820-QD-UBND-2025"}
    unknown = run_cli(capsys, "plans", "remove", "KH-khong-co")
    assert unknown.code == 2 and "2820-QD-UBND-2025" in unknown.err


def test_an_office_date_is_undone_and_impossible_dates_are_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0

    def deadline(key: str) -> dict[str, Any]:
        task = next(t for t in run_cli(capsys, "tasks", "--json").json() if t["key"] == key)
        result: dict[str, Any] = task["deadline"]
        return result

    original = deadline(f"{K}1.2#2")
    assert run_cli(capsys, "tasks", "set-due", f"{K}1.2#2", "20/12/2026").code == 0
    assert deadline(f"{K}1.2#2")["due"] == "2026-12-20" and deadline(f"{K}1.2#2")["set_by_office"]
    assert run_cli(capsys, "tasks", "set-due", f"{K}1.2#2", "--clear").code == 0
    assert deadline(f"{K}1.2#2") == original
    again = run_cli(capsys, "tasks", "set-due", f"{K}1.2#2", "--clear")
    assert again.code == 2 and "không có ngày hạn do văn phòng đặt" in again.err
    late = run_cli(capsys, "tasks", "set-due", f"{K}1.1", "1/1/2101")
    assert late.code == 2 and "2000–2100" in late.err
    past = run_cli(capsys, "tasks", "set-due", f"{K}1.1", "1/3/2025")  # the clock says 26/11/2026
    assert past.code == 2 and "--yes" in past.err
    assert not deadline(f"{K}1.1")["set_by_office"]
    assert run_cli(capsys, "tasks", "set-due", f"{K}1.1", "1/3/2025", "--yes").code == 0
    assert deadline(f"{K}1.1")["due"] == "2025-03-01"


def test_a_short_key_names_the_task_while_only_one_plan_has_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", str(REAL_PLANS / "01_dongthap-617-cds-doanh-nghiep.txt")).code == 0
    done = run_cli(capsys, "done", "I.1")
    assert done.code == 0 and "617-KH-UBND-2025:I.1" in done.out
    assert run_cli(capsys, "reopen", "I.1").code == 0
    assert run_cli(capsys, "import", str(HCM)).code == 0  # it has an I.1 of its own
    ambiguous = run_cli(capsys, "done", "I.1")
    assert ambiguous.code == 2
    assert "617-KH-UBND-2025:I.1" in ambiguous.err and "2820-QD-UBND-2025:I.1" in ambiguous.err
    assert run_cli(capsys, "done", "2820-QD-UBND-2025:I.1").code == 0
    assert run_cli(capsys, "done", "IX.99").code == 2


def _next_steps(key: str) -> list[tuple[str | None, str | None]]:
    from sqlmodel import Session, select

    from notifier.db.engine import open_database
    from notifier.plans.models import Task
    from notifier.schedule.models import Assignment, Track
    from notifier.settings import load_settings

    engine = open_database(load_settings())
    with Session(engine) as session:
        rows = session.exec(
            select(Track)
            .where(Track.assignment_id == Assignment.id, Assignment.task_id == Task.id, Task.key == key)
            .order_by(Track.id)  # type: ignore[arg-type]
        ).all()
        found = [(t.next_step, t.next_at.isoformat() if t.next_at else None) for t in rows]
    engine.dispose()
    return found


def _forget_steps(key: str) -> None:
    from sqlalchemy import text

    from notifier.db.engine import open_database
    from notifier.settings import load_settings

    engine = open_database(load_settings())
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE track SET next_step = NULL, next_at = NULL WHERE assignment_id IN "
                "(SELECT a.id FROM assignment a JOIN task t ON t.id = a.task_id WHERE t.key = :key)"
            ),
            {"key": key},
        )
    engine.dispose()


def test_a_change_to_one_task_syncs_that_tasks_tracks_only(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The track sync after a date, a completion or a snooze covers the task it touched, not the
    whole plan: a track of another task left wrong on purpose stays as it is until a whole sync."""
    assert run_cli(capsys, "import", str(SAMPLE), "--now", "2026-11-26T08:00").code == 0
    other = "KH-dan-van-2026:2.2"
    planned = _next_steps(other)
    assert planned and all(step for step, _ in planned)
    _forget_steps(other)
    dated = run_cli(capsys, "tasks", "set-due", "KH-dan-van-2026:5.1", "4/12/2026", "--now", "2026-11-26T09:00")
    assert dated.code == 0, dated.err
    assert all(step for step, _ in _next_steps("KH-dan-van-2026:5.1"))  # the touched task is planned
    assert run_cli(capsys, "done", "KH-dan-van-2026:4.8", "--now", "2026-11-26T09:05").code == 0
    assert _next_steps(other) == [(None, None)] * len(planned)  # untouched: not walked
    assert run_cli(capsys, "units", "--now", "2026-11-26T09:10").code == 0  # a whole sync (units file)
    assert _next_steps(other) == planned
