"""What an operator sees at the command line: one line and exit 2 where a traceback used to be,
argparse in Vietnamese, unit names as the office writes them, reasons when nothing is due, and
the office's accounts."""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.processes import notifier


def _one_clean_line(result: subprocess.CompletedProcess[str], *names: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    for name in names:
        assert name in result.stderr, result.stderr


def test_a_database_that_cannot_be_reached_is_named_in_one_line(workdir: Path) -> None:
    url = "postgresql://vanphong:matkhau-bi-mat@127.0.0.1:1/khongco"
    result = notifier(workdir, "tasks", DATABASE_URL=url)
    _one_clean_line(result, "DATABASE_URL", "127.0.0.1:1")
    assert "matkhau-bi-mat" not in result.stderr


def test_a_data_folder_that_cannot_be_made_is_named_in_one_line(workdir: Path) -> None:
    (workdir / "taken").write_text("a file where the folder should be", encoding="utf-8")
    result = notifier(workdir, "tasks", NOTIFIER_DATA_DIR=str(workdir / "taken" / "data"), DATABASE_URL="")
    _one_clean_line(result, "NOTIFIER_DATA_DIR")


def test_a_missing_template_folder_is_named_in_one_line(workdir: Path) -> None:
    _one_clean_line(notifier(workdir, "tasks", NOTIFIER_TEMPLATES_DIR=str(workdir / "no")), "NOTIFIER_TEMPLATES_DIR")


def test_a_reader_that_stops_reading_gets_no_traceback(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier", "tasks", "--json"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(10)  # like `| head -c 10`: read a little, then hang up
    process.stdout.close()
    errors = process.stderr.read()
    process.wait(timeout=60)
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors


def test_argparse_speaks_vietnamese(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = run_cli(capsys, "khong-co")
    assert unknown.code == 2 and "lựa chọn không hợp lệ" in unknown.err and "invalid" not in unknown.err
    missing = run_cli(capsys, "import")
    assert missing.code == 2 and "thiếu tham số" in missing.err and "required" not in missing.err
    assert "cách dùng:" in missing.err and "usage:" not in missing.err
    extra = run_cli(capsys, "status", "--khong-co")
    assert extra.code == 2 and "tham số không nhận ra: --khong-co" in extra.err


def test_unit_names_are_read_as_the_office_writes_them(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    unknown = run_cli(capsys, "log", "--unit", "Phòng Không Có")
    assert unknown.code == 2 and "Phòng Không Có" in unknown.err
    by_alias = run_cli(capsys, "tasks", "--unit", "Phòng KT", "--json").json()
    by_name = run_cli(capsys, "tasks", "--unit", "Phòng Kinh tế", "--json").json()
    assert by_alias == by_name and by_alias
    table = run_cli(capsys, "tasks", "--unit", "Phòng KT").out
    assert "chủ trì" in table and "phối hợp" in table


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        ("2026-11-29T09:00", "ngày nghỉ"),  # a Sunday
        ("2026-11-27T20:00", "ngoài giờ làm việc"),
        ("2026-11-27", "00:00"),  # a bare date reads as midnight
    ],
)
def test_due_says_why_nothing_would_go_out(
    workdir: Path, capsys: pytest.CaptureFixture[str], at: str, reason: str
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    result = run_cli(capsys, "due", "--at", at)
    assert result.code == 0 and "0 bản tin" in result.out and reason in result.out, result.out


def test_due_lists_overdue_days_as_the_digests_say_them(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    out = run_cli(capsys, "due", "--at", "2026-12-01T08:00").out
    assert re.search(r"quá hạn \d+ ngày làm việc: ", out) and ", -" not in out, out


def test_status_text_shows_the_next_step_due(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    record = run_cli(capsys, "status", "--json").json()
    assert record["next_step_at"]
    assert "Bước nhắc kế tiếp:" in run_cli(capsys, "status").out


def test_office_accounts_are_listed_disabled_and_given_new_passwords(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-dai-du-1\n"))
    assert run_cli(capsys, "users", "add", "vanphong", "--role", "admin").code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-dai-du-2\n"))
    assert run_cli(capsys, "users", "add", "lanhdao", "--role", "viewer").code == 0
    listed = run_cli(capsys, "users", "list", "--json").json()
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("lanhdao", "viewer", False),
        ("vanphong", "admin", False),
    ]
    assert run_cli(capsys, "users", "disable", "lanhdao").code == 0
    assert [u["disabled"] for u in run_cli(capsys, "users", "list", "--json").json()] == [True, False]
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-dai-du\n"))
    assert run_cli(capsys, "users", "password", "lanhdao").code == 0
    assert [u["disabled"] for u in run_cli(capsys, "users", "list", "--json").json()] == [True, False]
    assert run_cli(capsys, "users", "disable", "khongco").code == 2
    spaced = run_cli(capsys, "users", "add", "van phong", "--role", "admin")
    assert spaced.code == 2 and "dấu cách" in spaced.err
    assert "lanhdao" in run_cli(capsys, "users", "list").out



def test_the_web_pages_start_without_a_secret_on_sqlite_and_say_where(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.delenv("NOTIFIER_SECRET_KEY", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if not database_url.startswith("sqlite"):
        refused = notifier(workdir, "web", "--port", str(port))
        _one_clean_line(refused, "NOTIFIER_SECRET_KEY")
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "notifier", "web", "--port", str(port)],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first, first
        kept = workdir / "data" / "secret.key"
        assert kept.is_file() and kept.stat().st_mode & 0o777 == 0o600
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_service_on_an_empty_database_says_a_plan_must_be_imported(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = run_cli(capsys, "run", "--once")
    assert empty.code == 0 and "Chưa có kế hoạch nào" in empty.err and "notifier import" in empty.err
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert "Chưa có kế hoạch nào" not in run_cli(capsys, "run", "--once").err


def test_the_parser_loads_no_database_channel_reader_or_web_code() -> None:
    """`notifier --help` and every command's help start at once: the parser imports only argparse
    and small modules; a command's own code is imported when it runs."""
    heavy = ("sqlalchemy", "sqlmodel", "telegram", "openpyxl", "docx", "alembic", "apscheduler", "starlette", "jinja2")
    code = (
        "import sys, notifier.cli as cli; cli._parser(); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_service_holds_no_plan_reader_or_document_maker_until_one_is_used() -> None:
    """The daemon (bots, scheduler, pages) stays small: the plan readers load for an import, openpyxl
    and python-docx when an export or report is made, not with the service."""
    heavy = ("openpyxl", "docx", "pdfplumber", "pdfminer", "odf", "lxml", "PIL")
    code = f"import sys, notifier.daemon; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_a_backup_is_a_whole_database_that_opens_and_is_never_overwritten(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    copy = workdir / "sao-luu.db"
    made = run_cli(capsys, "backup", str(copy))
    if not os.environ["DATABASE_URL"].startswith("sqlite"):
        assert made.code == 2 and "pg_dump" in made.err  # PostgreSQL: its own tools
        return
    assert made.code == 0 and f"Đã sao lưu cơ sở dữ liệu vào «{copy}»" in made.out
    again = run_cli(capsys, "backup", str(copy))
    assert again.code == 2 and "đã có" in again.err
    tasks, log = run_cli(capsys, "tasks", "--json").json(), run_cli(capsys, "log", "--json").json()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    assert run_cli(capsys, "tasks", "--json").json() == tasks
    assert run_cli(capsys, "log", "--json").json() == log
    # Restored, the service goes on where it was: what went out before the backup is not sent again.
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:30").code == 0
    assert run_cli(capsys, "log", "--json").json() == log
