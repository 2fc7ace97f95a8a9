"""Extension requests (đề nghị gia hạn) the office records and decides: an approved one moves the
occurrence's deadline, re-plans its reminders and is what on-time is judged against; a rejected
one keeps the reason; the policy's cap and the late-request rule hold; everything is kept."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import Clock, parse_vietnam_time
from notifier.errors import InputError
from notifier.settings import Settings
from tests.cli_runner import run_cli
from tests.test_periodic_report import KT, PLAN, VH


@pytest.fixture
def plan(workdir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = workdir / "ke-hoach.csv"
    path.write_text(PLAN, encoding="utf-8")
    assert (
        run_cli(capsys, "import", str(path), "--plan", "SINH", "--year", "2026", "--now", "2026-01-05T08:00").code == 0
    )
    return path


def _cli(capsys: pytest.CaptureFixture[str], now: str, *args: str) -> Any:
    result = run_cli(capsys, *args, "--now", now)
    assert result.code == 0, result.err
    return result.json() if "--json" in args else result.out


def _due_items(capsys: pytest.CaptureFixture[str], at: str, key: str) -> list[dict[str, Any]]:
    digests = run_cli(capsys, "due", "--at", at, "--json").json()
    return [i for d in digests for i in d["items"] if i["task_key"] == key]


def test_an_approved_extension_moves_the_deadline_replans_and_judges_on_time_against_it(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = _cli(
        capsys,
        "2026-03-02T09:00",
        "extensions",
        "request",
        "SINH:1",
        "31/3/2026",
        "--reason",
        "Chờ số liệu của các thôn",
        "--json",
    )
    assert (asked["id"], asked["unit"], asked["old_due"], asked["requested_due"], asked["status"]) == (
        1,
        KT,
        "2026-03-10",
        "2026-03-31",
        "pending",
    )
    assert asked["requested_via"] == "office" and asked["reason"] == "Chờ số liệu của các thôn"
    again = run_cli(capsys, "extensions", "request", "SINH:1", "5/4/2026", "--reason", "x", "--now", "2026-03-02T10:00")
    assert again.code == 2 and "đề nghị gia hạn số 1 đang chờ" in again.err
    earlier = run_cli(
        capsys, "extensions", "request", "SINH:2", "1/2/2026", "--reason", "x", "--now", "2026-01-20T10:00"
    )
    assert earlier.code == 2 and "phải sau hạn hiện tại 15/02/2026" in earlier.err
    assert [e["id"] for e in _cli(capsys, "2026-03-02T10:00", "extensions", "--json")] == [1]
    assert _due_items(capsys, "2026-03-10T08:00", "SINH:1")[0]["state"] == "due_today"  # before the decision

    decided = _cli(capsys, "2026-03-03T09:00", "extensions", "approve", "1", "--note", "Đồng ý", "--json")
    assert (decided["status"], decided["approved_due"], decided["decided_by"]) == (
        "approved",
        "2026-03-31",
        "văn phòng",
    )
    assert not _due_items(capsys, "2026-03-10T08:00", "SINH:1")  # the old due day says nothing now
    assert [(i["state"], i["due"]) for i in _due_items(capsys, "2026-03-31T08:00", "SINH:1")] == [
        ("due_today", "2026-03-31")
    ]
    assert _cli(capsys, "2026-03-03T09:00", "extensions", "--json") == []  # nothing waits
    again = run_cli(capsys, "extensions", "approve", "1", "--now", "2026-03-04T09:00")
    assert again.code == 2 and "đã được quyết định: đã đồng ý" in again.err

    _cli(capsys, "2026-03-25T09:00", "done", "SINH:1")  # after the plan's date, within the extension
    report = _cli(capsys, "2026-04-01T09:00", "report", "--period", "2026-Q1", "--json")
    [item] = [i for i in report["items"] if i["key"] == "SINH:1"]
    assert (item["status"], item["due"], item["first_due"], item["extended"]) == (
        "done_on_time",
        "2026-03-31",
        "2026-03-10",
        True,
    )
    text = _cli(capsys, "2026-04-01T09:00", "report", "--period", "2026-Q1")
    assert f"NHIỆM VỤ HOÀN THÀNH QUÁ HẠN: {KT} · 1 " not in text  # on time: the extension's date counts


def test_a_rejection_needs_a_reason_and_changes_no_date(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _cli(capsys, "2026-06-01T09:00", "extensions", "request", "SINH:3", "31/7/2026", "--reason", "Thiếu kinh phí")
    silent = run_cli(capsys, "extensions", "reject", "1", "--now", "2026-06-02T09:00")
    assert silent.code == 2 and "ghi lý do" in silent.err
    refused = _cli(
        capsys, "2026-06-02T09:00", "extensions", "reject", "1", "--note", "Hạn đã được UBND ấn định", "--json"
    )
    assert (refused["status"], refused["decision_note"], refused["approved_due"]) == (
        "rejected",
        "Hạn đã được UBND ấn định",
        None,
    )
    assert [i["due"] for i in _due_items(capsys, "2026-06-30T08:00", "SINH:3")] == ["2026-06-30"]
    everything = _cli(capsys, "2026-06-02T09:00", "extensions", "--all", "--json")
    assert [(e["id"], e["status"], e["unit"]) for e in everything] == [(1, "rejected", VH)]


def test_the_cap_and_late_requests_follow_the_policy(
    plan: Path, settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, (asked_on, day) in enumerate([("2026-05-04", "15/7/2026"), ("2026-05-05", "31/7/2026")], start=1):
        _cli(capsys, f"{asked_on}T09:00", "extensions", "request", "SINH:3", day, "--reason", f"lần {n}")
        _cli(capsys, f"{asked_on}T10:00", "extensions", "approve", str(n))
    third = run_cli(
        capsys, "extensions", "request", "SINH:3", "15/8/2026", "--reason", "lần 3", "--now", "2026-05-06T09:00"
    )
    assert third.code == 2 and "đã được gia hạn 2 lần, tối đa 2 lần" in third.err
    office = Office.load(engine, settings, Clock(parse_vietnam_time("2026-02-20T09:00")))
    with pytest.raises(InputError, match="đã quá hạn từ 15/02/2026: đề nghị gia hạn xin gửi qua văn phòng"):
        actions.extensions.request_extension(office, "SINH:2", date(2026, 3, 15), reason="muộn", unit=KT, via="zalo")
    # The office may still record it: a request that came by letter, late.
    number = actions.extensions.request_extension(office, "SINH:2", date(2026, 3, 15), reason="công văn", unit=KT)
    assert number == 3
    bad_unit = run_cli(
        capsys,
        "extensions",
        "request",
        "SINH:1",
        "1/4/2026",
        "--reason",
        "x",
        "--unit",
        VH,
        "--now",
        "2026-02-20T09:00",
    )
    assert bad_unit.code == 2 and f"đơn vị «{VH}» không chủ trì nhiệm vụ «SINH:1»" in bad_unit.err


def test_the_decision_reads_the_same_on_every_channel(
    plan: Path, settings: Settings, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import Session, select

    from notifier.delivery.render import render_digest
    from notifier.reports.extensions import notice_content
    from notifier.schedule.calendar import WorkingCalendar
    from notifier.schedule.models import Digest, ExtensionRequest

    _cli(capsys, "2026-06-01T09:00", "extensions", "request", "SINH:3", "31/7/2026", "--reason", "Thiếu kinh phí")
    _cli(capsys, "2026-06-01T09:00", "extensions", "request", "SINH:1", "31/7/2026", "--reason", "Chờ số liệu")
    _cli(capsys, "2026-06-02T09:00", "extensions", "approve", "1")
    _cli(capsys, "2026-06-02T09:00", "extensions", "reject", "2", "--note", "Hạn đã ấn định")
    expected = {
        1: ("ĐỒNG Ý", "Được gia hạn đến ngày 31/07/2026 (hạn cũ 30/06/2026)"),
        2: ("KHÔNG ĐỒNG Ý", "Hạn vẫn là ngày"),
    }
    with Session(engine) as session:
        for request in session.exec(select(ExtensionRequest)).all():
            digest = session.get_one(Digest, request.notice_digest_id)
            assert (digest.kind, digest.unit_id) == ("notice", request.unit_id)
            values = notice_content(session, digest).values
            for folder in ("telegram", "zalo", "console", "email"):
                html = render_digest(session, digest, WorkingCalendar(), settings.templates_dir, folder, values)
                text = re.sub(r"<[^>]+>", "", html)  # Telegram's bold
                verdict, words = expected[request.id or 0]
                assert f"Đề nghị gia hạn số {request.id}" in text and verdict in text.upper() and words in text, folder
