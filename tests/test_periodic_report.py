"""The periodic report the office files upward: the four official counts per lead unit, judged on
the history as it stood at the period's end (so the same period asked months later is the same
report), with the documents in the official layout. The two-year simulation (test_simulation.py)
checks the same replay against the rows on every period's last evening."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier.clock import at_vietnam
from notifier.db.engine import MIGRATIONS, make_engine
from notifier.delivery.render import render_digest
from notifier.reports.report_message import ReportMessages
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.models import Digest
from notifier.settings import Settings
from notifier.units.models import Unit
from tests.cli_runner import run_cli

PLAN = """TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành
1;Báo cáo đúng hạn;Phòng Kinh tế;;Hoàn thành trước ngày 10/3/2026
2;Việc hai đơn vị chủ trì;Phòng Kinh tế, Phòng Văn hóa - Xã hội;;Hoàn thành trước ngày 15/2/2026
3;Việc trong quý II;Phòng Văn hóa - Xã hội;;Quý II/2026
4;Việc thường xuyên;Văn phòng HĐND và UBND xã;;Thường xuyên
5;Việc chưa có hạn;Văn phòng HĐND và UBND xã;;Theo công văn chỉ đạo các cấp
6;Báo cáo hằng tháng;Văn phòng HĐND và UBND xã;;Trước ngày 15 hằng tháng
"""
KT, VH, VP = "Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã"
LATER = "2026-12-01T09:00"


@pytest.fixture
def history(workdir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """A quarter's work, then what happened after it; returns the Q1 report as made on 1 April."""
    plan = workdir / "ke-hoach.csv"
    plan.write_text(PLAN, encoding="utf-8")
    steps = [
        ("import", str(plan), "--plan", "SINH", "--year", "2026", "--now", "2026-01-05T08:00"),
        ("done", "SINH:6", "--period", "2026-01", "--now", "2026-02-10T09:00"),  # 26 days late
        ("done", "SINH:1", "--now", "2026-03-02T09:00"),  # on time
        ("done", "SINH:2", "--unit", KT, "--now", "2026-03-20T09:00"),  # its part, 33 days late
    ]
    for step in steps:
        _that_day(capsys, step)
    first: dict[str, Any] = _report(capsys, "2026-Q1", "2026-04-01T09:00")
    for step in [
        ("tasks", "set-due", "SINH:5", "20/05/2026", "--now", "2026-04-10T09:00"),
        ("reopen", "SINH:1", "--now", "2026-05-04T09:00"),
    ]:
        _that_day(capsys, step)
    return first


def _that_day(capsys: pytest.CaptureFixture[str], step: tuple[str, ...]) -> None:
    """The service's pass on the step's day (the daemon's first tick of each day brings every
    task's rounds up to date; an office change syncs only the task it touched), then the step."""
    now = step[-1]
    if step[0] != "import":
        assert run_cli(capsys, "run", "--once", "--now", now).code == 0, now
    assert run_cli(capsys, *step).code == 0, step


def _report(capsys: pytest.CaptureFixture[str], period: str, now: str) -> dict[str, Any]:
    result = run_cli(capsys, "report", "--period", period, "--format", "json", "--now", now)
    assert result.code == 0, result.err
    report: dict[str, Any] = result.json()
    return report


def _counts(report: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    names = ("done_on_time", "done_late", "in_progress", "overdue", "continuous", "no_deadline")
    return {u["unit"]: tuple(u[n] for n in names) for u in report["units"]}


def _listed(report: dict[str, Any], status: str) -> list[tuple[str, str, str, int]]:
    return [(i["key"], i["unit"], i["due"], i["days_late"]) for i in report["items"] if i["status"] == status]


def test_a_quarter_is_counted_per_lead_unit_and_the_same_months_later(
    history: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    q1 = history
    assert q1["label"] == "Quý I năm 2026" and q1["as_of"] == "2026-03-31"
    # on time, late, in progress, overdue · continuous, no deadline
    assert _counts(q1) == {VP: (0, 1, 0, 2, 1, 1), VH: (0, 0, 1, 1, 0, 0), KT: (1, 1, 0, 0, 0, 0)}
    assert [u["unit"] for u in q1["units"]] == [VP, VH, KT]  # ranked by overdue tasks
    assert q1["totals"]["on_time_rate"] == 33.3 and q1["totals"]["overdue"] == 3
    assert _listed(q1, "overdue") == [
        ("SINH:2", VH, "2026-02-15", 44),
        ("SINH:6", VP, "2026-02-15", 44),
        ("SINH:6", VP, "2026-03-15", 16),
    ]
    assert _listed(q1, "done_late") == [("SINH:2", KT, "2026-02-15", 33), ("SINH:6", VP, "2026-01-15", 26)]
    # Reopened in May, a date set in April: the first quarter's report does not move.
    assert _report(capsys, "2026-Q1", LATER) == q1


def test_what_happened_after_a_period_counts_in_the_next_one(
    history: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    q2 = _report(capsys, "2026-Q2", LATER)
    assert q2["as_of"] == "2026-06-30"
    assert _counts(q2) == {VP: (0, 0, 0, 5, 1, 0), KT: (0, 0, 0, 1, 0, 0), VH: (0, 0, 1, 1, 0, 0)}
    overdue = _listed(q2, "overdue")
    assert ("SINH:1", KT, "2026-03-10", 112) in overdue  # reopened on 4 May: overdue again
    assert ("SINH:5", VP, "2026-05-20", 41) in overdue  # the office's date of 10 April
    assert not [i for i in q2["items"] if i["key"] == "SINH:2" and i["unit"] == KT]  # done in Q1
    february = _report(capsys, "2026-02", LATER)
    assert _counts(february)[VP] == (0, 1, 0, 1, 1, 1) and _counts(february)[KT] == (0, 0, 1, 1, 0, 0)
    running = _report(capsys, "2026", "2026-08-14T09:00")
    assert running["as_of"] == "2026-08-14" and running["label"] == "Năm 2026"


def test_the_workbook_is_the_official_form_with_real_numbers_and_dates(
    history: dict[str, Any], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "bao-cao-q2.xlsx"
    done = run_cli(capsys, "report", "--period", "2026-Q2", "--out", str(out), "--now", LATER)
    assert done.code == 0 and str(out) in done.out
    sheet = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ" in cells and "NGƯỜI LẬP BIỂU" in cells and "CHỦ TỊCH" in cells
    assert any(isinstance(v, str) and v.startswith("Quý II năm 2026") for v in cells)
    header = cells["Quá hạn chưa hoàn thành"].row
    vp_row = next(r for r in sheet.iter_rows(min_row=header + 1) if r[1].value == VP)
    assert [c.value for c in vp_row[2:6]] == [0, 0, 0, 5]  # numbers, not text
    dues = [r[5].value for r in sheet.iter_rows(min_row=header + 1) if isinstance(r[5].value, datetime)]
    assert datetime(2026, 3, 10) in dues and sheet.cell(header, 1).value == "STT"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == int(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == f"${header}:${header}"  # repeated on every printed page


def test_the_word_document_has_the_same_tables_to_edit_and_sign(
    history: dict[str, Any], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "bao-cao.docx"
    assert run_cli(capsys, "report", "--period", "2026-Q1", "--out", str(out), "--now", LATER).code == 0
    document = docx.Document(str(out))
    texts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "CHỦ TỊCH" in texts
    counts = next(t for t in document.tables if t.rows[0].cells[1].text == "Đơn vị chủ trì")
    assert [c.text for c in counts.rows[1].cells[1:6]] == [VP, "0", "1", "0", "2"]
    assert [c.text for c in counts.rows[-1].cells[1:6]] == ["Tổng cộng", "1", "2", "1", "3"]
    assert any("Quý I năm 2026" in p.text for p in document.paragraphs)
    section = document.sections[0]
    assert (section.page_width or 0) > (section.page_height or 0)  # landscape


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--period", "2026-Q5"), "2026-Q5"),
        (("--period", "2027"), "chưa bắt đầu"),
        (("--period", "2026", "--plan", "KHONG"), "KHONG"),
        (("--period", "2026", "--out", "bao-cao.pdf"), "bao-cao.pdf"),
    ],
)
def test_a_report_that_cannot_be_made_says_why_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], words: str
) -> None:
    result = run_cli(capsys, "report", *args, "--now", LATER)
    assert result.code == 2 and words in result.err
    assert not list(workdir.glob("bao-cao*"))


def test_a_database_from_before_the_history_gets_it_from_its_rows(
    workdir: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = workdir / "ke-hoach.csv"
    plan.write_text(PLAN, encoding="utf-8")
    for step in [
        ("import", str(plan), "--plan", "SINH", "--year", "2026", "--now", "2026-01-05T08:00"),
        ("done", "SINH:1", "--now", "2026-03-02T09:00"),
        ("done", "SINH:2", "--unit", KT, "--now", "2026-03-20T09:00"),
    ]:
        assert run_cli(capsys, *step).code == 0, step
    before = _report(capsys, "2026-Q1", LATER)
    engine = make_engine(settings.database_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")  # the table goes; the rows of tasks and tracks stay
        connection.commit()
    engine.dispose()
    assert _report(capsys, "2026-Q1", LATER) == before  # the next command migrates and fills it
    assert _counts(before)[KT] == (1, 1, 0, 0, 0, 0)


def test_the_report_message_reads_the_same_on_every_channel(
    history: dict[str, Any], settings: Settings, engine: Engine
) -> None:
    with Session(engine) as session:
        leader = session.exec(select(Unit).where(Unit.name == "Lãnh đạo UBND xã")).one()
        sent = at_vietnam(date(2026, 7, 1), time(8, 0))
        digest = Digest(key="t", unit_id=leader.id or 0, role="leadership", kind="report", send_at=sent)
        digest.period = "2026-Q2"
        session.add(digest)
        session.flush()
        content = ReportMessages("https://nhacviec.thaitan.gov.vn").content(session, digest)
        calendar, templates = WorkingCalendar(), settings.templates_dir
        for folder in ("telegram", "zalo", "console", "email"):
            text = render_digest(session, digest, calendar, templates, folder, content.values)
            assert "Quý II năm 2026" in text and "tính đến hết ngày 30/06/2026" in text.lower(), folder
            assert f"{KT}: 0 / 0 / 0 / 1" in text and f"{VP}: 0 / 0 / 0 / 5" in text, folder
            assert "https://nhacviec.thaitan.gov.vn/bao-cao?ky=2026-Q2" in text, folder
        subject = render_digest(session, digest, calendar, templates, "email", content.values, "subject")
        assert subject == "[Nhắc việc] Báo cáo kết quả thực hiện nhiệm vụ Quý II năm 2026 — quá hạn 7"
        [workbook] = content.attachments
        assert workbook.filename == "bao-cao-2026-Q2.xlsx" and workbook.data[:2] == b"PK"


def test_a_units_explanation_goes_beside_its_late_task_from_the_period_it_was_given(
    history: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    steps = [
        ("explanations", "ask", "SINH:2", "--unit", VH, "--now", "2026-04-02T09:00"),
        ("explanations", "answer", "1", "--text", "Chờ số liệu của các thôn", "--by", VH, "--now", "2026-04-06T09:00"),
    ]
    for step in steps:
        assert run_cli(capsys, *step).code == 0, step
    assert _report(capsys, "2026-Q1", LATER) == history  # given after the quarter: not in its report
    q2 = _report(capsys, "2026-Q2", LATER)
    [late] = [i for i in q2["items"] if i["key"] == "SINH:2" and i["unit"] == VH]
    assert (late["status"], late["explanation"], late["explanation_on"]) == (
        "overdue",
        "Chờ số liệu của các thôn",
        "2026-04-06",
    )
    assert all(i["explanation"] is None for i in q2["items"] if (i["key"], i["unit"]) != ("SINH:2", VH))
    text = run_cli(capsys, "report", "--period", "2026-Q2", "--now", LATER).out
    assert "giải trình (06/04/2026): Chờ số liệu của các thôn" in text
