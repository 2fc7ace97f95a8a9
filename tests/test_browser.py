"""The office's pages in a real headless Chromium (Debian's), driven by Playwright: log in on a fresh
install, import the sample plan, filter the log, confirm a completion, download the Excel export.
Screenshots of each step are kept in test-artifacts/browser/."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from notifier.web.exports import header_row
from tests.cli_runner import run_cli
from tests.conftest import ROOT, SAMPLE
from tests.servers import web_site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
PASSWORD = "mat-khau-quan-tri"

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def site(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert run_cli(capsys, "users", "add", "vanphong", "--role", "admin").code == 0
    with web_site(NOW) as url:
        yield url


def test_an_office_user_works_through_the_pages_in_chromium(
    site: str, workdir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import sync_playwright

    shots = ARTIFACTS / request.node.callspec.id
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 412, "height": 915})  # a phone
        page.goto(site + "/")
        assert page.url.endswith("/dang-nhap?next=/")
        page.fill("input[name=username]", "vanphong")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(site + "/")
        page.screenshot(path=str(shots / "1-overview-empty.png"), full_page=True)

        page.click("text=Nhập kế hoạch")
        page.set_input_files("input[name=file]", str(SAMPLE))
        page.click("text=Xem trước (chưa ghi gì)")
        assert "XEM TRƯỚC" in page.inner_text("main")
        page.screenshot(path=str(shots / "2-import-preview.png"), full_page=True)
        page.click("text=Áp dụng thay đổi")
        assert page.is_visible("text=Đã nhập kế hoạch.")

        # The pass runs in its own process: Playwright's sync API holds this thread's event loop.
        run = subprocess.run(
            [sys.executable, "-m", "notifier", "run", "--once", "--now", "2026-11-27T08:00"],
            cwd=workdir,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        page.goto(site + "/")
        assert "Quá hạn" in page.inner_text(".counts")
        page.screenshot(path=str(shots / "3-overview.png"), full_page=True)

        page.click("text=Nhật ký")
        page.select_option("select[name=don_vi]", "Phòng Kinh tế")
        page.click("text=Lọc")
        assert "1 lượt gửi" in page.inner_text("main")
        page.screenshot(path=str(shots / "4-log-filtered.png"), full_page=True)

        page.goto(site + "/nhiem-vu/KH-dan-van-2026:4.8")
        page.click("text=Đánh dấu hoàn thành / xác nhận báo cáo")
        assert page.is_visible("text=Đã đánh dấu hoàn thành.")
        assert "Đã hoàn thành quá hạn" in page.inner_text("main")
        page.screenshot(path=str(shots / "5-task-done.png"), full_page=True)

        page.goto(site + "/nhat-ky")
        with page.expect_download() as download:
            page.click("text=Tải Excel")
        saved = tmp_path / "log.xlsx"
        download.value.save_as(str(saved))
        browser.close()
    sheet = openpyxl.load_workbook(saved).active
    head = header_row(sheet)
    assert sheet.cell(head, 2).value == "Đơn vị" and sheet.max_row - head == 8


# Internal names that must never reach a clerk, and timestamps as machines write them.
ENGLISH = re.compile(
    r"\b(overdue(_\d+)?|window_open|escalation|due_today|upcoming|check_in\S*|before_\d+|sent|pending|sending|"
    r"failed|uncertain|console|once|yearly|quarterly|monthly|half_yearly|continuous|unspecified|received|snooze|"
    r"lead|coordinating|archived)\b"
)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\+00:00|\bUTC\b")
PAGES = {
    "overview": "/",
    "task": "/nhiem-vu/KH-dan-van-2026:1.1",
    "unit": "/don-vi/2",
    "units": "/don-vi",
    "log": "/nhat-ky",
    "problems": "/van-de",
    "report": "/bao-cao?ky=2026",
    "extensions": "/gia-han",
    "import": "/nhap-ke-hoach",
    "accounts": "/tai-khoan",
}
WIDTHS = {"phone": 390, "desktop": 1280}


def test_every_office_page_reads_vietnamese_and_fits_a_phone(
    site: str, workdir: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import sync_playwright

    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    shots = ARTIFACTS / f"pages-{request.node.callspec.id}"
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {shots}")
    found: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for width_name, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            _log_in(page, site)
            for name, path in PAGES.items():
                page.goto(site + path)
                text = page.inner_text("body")
                found += [f"{width_name} {name}: «{m.group(0)}»" for m in ENGLISH.finditer(text)]
                found += [f"{width_name} {name}: time «{m.group(0)}»" for m in ISO_TIME.finditer(text)]
                if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
                    found.append(f"{width_name} {name}: wider than the screen")
                page.screenshot(path=str(shots / f"{width_name}-{name}.png"), full_page=True)
            page.close()
        browser.close()
    assert found == [], "\n".join(found)


def _log_in(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.fill("input[name=username]", "vanphong")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site + "/")
