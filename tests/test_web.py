"""The office's web pages over HTTP: login and its rate limit, sessions, CSRF, viewer and admin
rights, every page, the actions, the audit trail and the Excel exports."""

from __future__ import annotations

import io
import re
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier.actions.audit import AuditEntry
from notifier.db.engine import open_database
from notifier.settings import load_settings
from notifier.web.exports import header_row
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.servers import web_site

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
K = "KH-dan-van-2026:"
ADMIN_PASSWORD = "mat-khau-quan-tri"
VIEWER_PASSWORD = "mat-khau-chi-xem"


def _add_user(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str, role: str, password: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    assert run_cli(capsys, "users", "add", name, "--role", role).code == 0


@pytest.fixture
def site(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_PLAN_MAX_DOCUMENT_MB", "20")
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "run", "--once", "--now", "2026-11-27T08:00").code == 0
    _add_user(capsys, monkeypatch, "vanphong", "admin", ADMIN_PASSWORD)
    _add_user(capsys, monkeypatch, "lanhdao", "viewer", VIEWER_PASSWORD)
    with web_site(NOW) as url:
        yield url


def _client(site: str) -> httpx.Client:
    return httpx.Client(base_url=site, follow_redirects=False)


def _login(site: str, username: str, password: str) -> httpx.Client:
    client = _client(site)
    page = client.get("/dang-nhap")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    response = client.post("/dang-nhap", data={"csrf": token.group(1), "username": username, "password": password})
    assert response.status_code == 303, response.text
    return client


def _csrf(client: httpx.Client, path: str = "/") -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert m
    return m.group(1)


def test_anonymous_visitors_see_only_the_login_page(site: str) -> None:
    client = _client(site)
    for path in ("/", "/nhat-ky", "/van-de", f"/nhiem-vu/{K}4.8", "/don-vi/1", "/xuat/nhat-ky.xlsx"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")
    assert client.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "done"}).status_code == 303
    login = client.get("/dang-nhap")
    assert login.status_code == 200 and "Nhắc việc — đăng nhập" in login.text


def test_logging_in_shows_the_overview_with_statuses_and_units(site: str) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    page = client.get("/")
    assert page.status_code == 200
    assert "Tình hình thực hiện nhiệm vụ — 27/11/2026" in page.text
    assert "<b>3</b><br>Quá hạn" in page.text and "<b>2</b><br>Chưa có hạn" not in page.text
    assert "Phòng Văn hóa - Xã hội" in page.text and "vanphong (quản trị)" in page.text


def test_wrong_passwords_are_rate_limited(site: str) -> None:
    client = _client(site)
    for _ in range(5):
        page = client.get("/dang-nhap")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        bad = client.post("/dang-nhap", data={"csrf": token, "username": "vanphong", "password": "sai"})
        assert bad.status_code == 401
    page = client.get("/dang-nhap")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    blocked = client.post("/dang-nhap", data={"csrf": token, "username": "vanphong", "password": ADMIN_PASSWORD})
    assert blocked.status_code == 401 and "quá nhiều lần" in blocked.text


def test_a_form_without_its_csrf_token_is_refused(site: str) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    refused = client.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "done", "csrf": "forged"})
    assert refused.status_code == 403 and "Biểu mẫu đã hết hạn" in refused.text
    task = client.get(f"/nhiem-vu/{K}4.8")
    assert "Quá hạn" in task.text


def test_an_admin_acts_on_a_task_and_the_change_is_audited(site: str, workdir: Path) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    csrf = _csrf(client, f"/nhiem-vu/{K}4.8")
    done = client.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "done", "csrf": csrf})
    assert done.status_code == 200 and "Đã đánh dấu hoàn thành." in done.text
    assert "Đã hoàn thành quá hạn" in done.text
    due = client.post(f"/nhiem-vu/{K}5.1/hanh-dong", data={"action": "set_due", "date": "4/12/2026", "csrf": csrf})
    assert "Đã đặt hạn 4/12/2026." in due.text and "Sắp đến hạn" in due.text
    bad = client.post(f"/nhiem-vu/{K}5.1/hanh-dong", data={"action": "set_due", "date": "31/02/2026", "csrf": csrf})
    assert bad.status_code == 400 and "ngày không tồn tại" in bad.text
    again = client.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "reopen", "csrf": csrf})
    assert "Đã mở lại" in again.text
    engine = open_database(load_settings())
    with Session(engine) as session:
        entries = [(e.username, e.action, e.detail) for e in session.exec(select(AuditEntry)).all()]
    engine.dispose()
    assert (
        ("vanphong", "done", f"{K}4.8") in entries
        and ("vanphong", "set_due", f"{K}5.1 04/12/2026") in entries  # the date as understood
        and ("vanphong", "reopen", f"{K}4.8") in entries
    )


def test_a_viewer_reads_but_cannot_change_anything(site: str) -> None:
    client = _login(site, "lanhdao", VIEWER_PASSWORD)
    page = client.get(f"/nhiem-vu/{K}4.8")
    assert page.status_code == 200 and "Đánh dấu hoàn thành" not in page.text
    refused = client.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "done", "csrf": _csrf(client)})
    assert refused.status_code == 403 and "chỉ được xem" in refused.text
    assert "Quá hạn" in client.get(f"/nhiem-vu/{K}4.8").text
    assert client.post("/don-vi/2/ma-lien-ket", data={"csrf": _csrf(client)}).status_code == 403


def test_task_unit_log_and_problem_pages(site: str) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    task = client.get(f"/nhiem-vu/{K}1.2%232")
    assert task.status_code == 200 and "Hoàn thành trước ngày 10/3/2026" in task.text
    assert "Phòng Văn hóa - Xã hội" in task.text and "màn hình" in task.text and "console" not in task.text
    assert "08:00 27/11/2026" in task.text and "+00:00" not in task.text and " UTC" not in task.text
    unit = client.get("/don-vi/2")
    assert unit.status_code == 200 and "Phòng Văn hóa - Xã hội" in unit.text and "Chưa liên kết kênh nào." in unit.text
    code = client.post("/don-vi/2/ma-lien-ket", data={"csrf": _csrf(client, "/don-vi/2")})
    assert re.search(r"Mã liên kết: [A-Z2-9]{6}", code.text)
    log = client.get("/nhat-ky", params={"don_vi": "Phòng Kinh tế"})
    assert log.status_code == 200 and "1 lượt gửi" in log.text
    unacknowledged = client.get("/nhat-ky", params={"xac_nhan": "khong"})
    assert "8 lượt gửi" in unacknowledged.text
    assert "0 lượt gửi" in client.get("/nhat-ky", params={"xac_nhan": "co"}).text
    problems = client.get("/van-de")
    assert problems.status_code == 200 and "Tên đơn vị chưa nhận ra (0)" in problems.text
    assert client.get(f"/nhiem-vu/{K}9.9").status_code == 404


def test_excel_exports_hold_the_log_and_the_status_report(site: str) -> None:
    client = _login(site, "lanhdao", VIEWER_PASSWORD)
    log = client.get("/xuat/nhat-ky.xlsx")
    assert log.status_code == 200 and log.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(log.content)).active
    head = header_row(sheet)
    assert sheet["A1"].value == "NHẬT KÝ NHẮC VIỆC" and sheet["A2"].value == "ỦY BAN NHÂN DÂN XÃ THÁI TÂN"
    assert str(sheet["A3"].value).startswith("Kế hoạch: Triển khai thực hiện công tác dân vận")
    assert sheet.cell(head, 2).value == "Đơn vị" and sheet.max_row - head == 8
    assert sheet.freeze_panes == f"A{head + 1}" and sheet.auto_filter.ref == f"A{head}:K{sheet.max_row}"
    first = [c.value for c in sheet[head + 1]]
    assert first[2] == "màn hình" and first[4] == "đã gửi"  # words a clerk reads, not "console", "sent"
    assert first[6] == datetime(2026, 11, 27, 8, 0) and sheet.cell(head + 1, 7).number_format == "dd/mm/yyyy hh:mm"
    report = client.get("/xuat/bao-cao.xlsx", params={"ky": "2026-Q1"})
    book = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = list(book.iter_rows(min_row=header_row(book), values_only=True))
    assert rows[0][:3] == ("Đơn vị chủ trì", "Mã", "Số")
    numbers = {(r[2], r[6]) for r in rows[1:]}
    assert ("4.8", "Quá hạn") in numbers and ("1.2", "Quá hạn") in numbers
    assert all(isinstance(r[5], datetime) for r in rows[1:] if r[5] is not None)
    assert client.get("/xuat/bao-cao.xlsx", params={"ky": "quý 1"}).status_code == 400


def test_logout_ends_the_session(site: str) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    assert client.post("/dang-xuat", data={"csrf": _csrf(client)}).status_code == 303
    client.cookies.clear()
    assert client.get("/").status_code == 303


def test_a_plan_is_uploaded_previewed_then_applied(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import REAL_PLANS

    client = _login(site, "vanphong", ADMIN_PASSWORD)
    csrf = _csrf(client, "/nhap-ke-hoach")
    plan = REAL_PLANS / "05_hcm-2820-csdl-quy-hoach.txt"
    before = len(run_cli(capsys, "tasks", "--json").json())
    preview = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": (plan.name, plan.read_bytes())})
    assert preview.status_code == 200 and "XEM TRƯỚC (chưa ghi gì vào cơ sở dữ liệu)" in preview.text
    assert "2820-QD-UBND-2025 (mới)" in preview.text and "Số nhiệm vụ: 28" in preview.text
    assert len(run_cli(capsys, "tasks", "--json").json()) == before
    upload = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload
    applied = client.post("/nhap-ke-hoach", data={"csrf": csrf, "upload": upload.group(1)})
    assert "Đã nhập kế hoạch." in applied.text and "ĐÃ NHẬP KẾ HOẠCH" in applied.text
    assert len(run_cli(capsys, "tasks", "--json").json()) == before + 28
    assert client.post("/nhap-ke-hoach", data={"csrf": csrf, "upload": "../../etc/passwd"}).status_code == 400
    bad = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": ("ke-hoach.docx", b"\x00\x01 not a docx")})
    assert bad.status_code == 400 and "không phải tệp .docx hợp lệ" in bad.text
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    assert viewer.get("/nhap-ke-hoach").status_code == 403


def test_an_uploaded_pdf_with_odd_columns_and_new_units_is_named_and_confirmed_on_the_page(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import REAL_PLANS

    client = _login(site, "vanphong", ADMIN_PASSWORD)
    csrf = _csrf(client, "/nhap-ke-hoach")
    odd = "Mục\tViệc phải làm\tAi làm\tHạn chót\n1\tViệc một\tSở Ngoại vụ\tQuý I\n"
    refused = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": ("la.txt", odd.encode())})
    assert refused.status_code == 400 and "ô «Tên cột»" in refused.text
    named = {"csrf": csrf, "columns": "Việc phải làm=nhiệm vụ,Ai làm=chủ trì,Hạn chót=thời hạn", "add_units": "1"}
    preview = client.post("/nhap-ke-hoach", data=named, files={"file": ("la.txt", odd.encode())})
    assert preview.status_code == 200 and "Đơn vị mới thêm theo kế hoạch (1):" in preview.text
    upload = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload and 'name="add_units" value="1"' in preview.text
    applied = client.post("/nhap-ke-hoach", data={**named, "upload": upload.group(1)})
    assert "Đã nhập kế hoạch." in applied.text
    assert "Sở Ngoại vụ" in {u["name"] for u in run_cli(capsys, "units", "--json").json()}
    pdf = REAL_PLANS / f"{SAMPLE.stem}.pdf"
    sample = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": (pdf.name, pdf.read_bytes())})
    assert "(PDF)" in sample.text and "Độ đầy đủ: đọc 24 nhiệm vụ" in sample.text
    # Half the sample's catalogue missing: applying needs the box ticked.
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("2.1\t"))
    short = ("\n".join(lines[:cut]) + "\n").encode()
    preview = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": ("thieu.txt", short)})
    assert "Cần xác nhận: lần nhập này sẽ lưu trữ" in preview.text and 'name="yes"' in preview.text
    upload = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload
    before = run_cli(capsys, "tasks", "--json").json()
    unticked = client.post("/nhap-ke-hoach", data={"csrf": csrf, "upload": upload.group(1)})
    assert unticked.status_code == 400 and run_cli(capsys, "tasks", "--json").json() == before
    ticked = client.post("/nhap-ke-hoach", data={"csrf": csrf, "upload": upload.group(1), "yes": "1"})
    assert "Đã nhập kế hoạch." in ticked.text


def test_admins_link_units_map_names_and_manage_accounts(
    site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    csrf = _csrf(client, "/don-vi/3")
    added = client.post(
        "/don-vi/3/lien-ket", data={"csrf": csrf, "channel": "email", "target": "KT@thaitan.gov.vn", "do": "add"}
    )
    assert "Đã liên kết email: KT@thaitan.gov.vn." in added.text and "thư điện tử: kt@thaitan.gov.vn" in added.text
    removed = client.post(
        "/don-vi/3/lien-ket", data={"csrf": csrf, "channel": "email", "target": "kt@thaitan.gov.vn", "do": "remove"}
    )
    assert "Đã bỏ liên kết" in removed.text and "Chưa liên kết kênh nào." in removed.text

    plan = tmp_path / "moi.txt"
    plan.write_text("TT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n1\tTuần tra\tCông an xã\tNăm 2026\n", encoding="utf-8")
    assert run_cli(capsys, "import", str(plan), "--plan", "CA").code == 0
    problems = client.get("/van-de")
    assert "«Công an xã»" in problems.text
    mapped = client.post(
        "/ten-don-vi", data={"csrf": csrf, "written": "Công an xã", "canonical": "Văn phòng HĐND và UBND xã"}
    )
    assert "Đã gán «Công an xã» → «Văn phòng HĐND và UBND xã»." in mapped.text
    assert "Tên đơn vị chưa nhận ra (0)" in mapped.text
    [task] = [t for t in run_cli(capsys, "tasks", "--json").json() if t["plan"] == "CA"]
    assert task["lead_units"] == ["Văn phòng HĐND và UBND xã"]

    users = client.post(
        "/tai-khoan", data={"csrf": csrf, "username": "phovanphong", "role": "viewer", "password": "mat-khau-moi-123"}
    )
    assert "Đã lưu tài khoản «phovanphong»." in users.text
    short = client.post("/tai-khoan", data={"csrf": csrf, "username": "x", "role": "viewer", "password": "ngan"})
    assert "mật khẩu cần ít nhất 10 ký tự" in short.text
    assert _login(site, "phovanphong", "mat-khau-moi-123").get("/").status_code == 200
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    assert viewer.get("/tai-khoan").status_code == 403


def test_send_now_snooze_and_the_digests_waiting(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    assert "Không có bản tin nào đang chờ." in client.get("/").text
    csrf = _csrf(client, "/don-vi/3")
    sent = client.post("/don-vi/3/gui-ngay", data={"csrf": csrf})
    assert "Đã xếp 4 mục vào bản tin gửi Phòng Kinh tế" in sent.text
    overview = client.get("/").text
    assert "Phòng Kinh tế — 09:00 27/11/2026 — 4 mục" in overview
    before = {d["unit"] for d in run_cli(capsys, "due", "--at", "2026-12-01T08:00", "--json").json()}
    assert "Phòng Văn hóa - Xã hội" in before  # VH-XH's check-in of December is due on 1/12
    snoozed = client.post(f"/nhiem-vu/{K}1.1/hanh-dong", data={"action": "snooze", "csrf": csrf})
    assert "Đã hoãn nhắc việc này đến ngày làm việc sau." in snoozed.text
    engine = open_database(load_settings())
    with Session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
    engine.dispose()
    assert "send_now" in actions and "snooze" in actions


def test_a_link_to_an_unconfigured_channel_shows_as_a_problem_not_as_working(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "units", "link", "Phòng Văn hóa - Xã hội", "--telegram", "-1001").code == 0
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    problems = client.get("/van-de")
    assert "Liên kết tới kênh chưa được cấu hình (1)" in problems.text
    assert "TELEGRAM_BOT_TOKEN" in problems.text
    unit = client.get("/don-vi/2")
    assert "-1001" in unit.text and "chưa được cấu hình" in unit.text and "hoạt động" not in unit.text


def test_a_copied_session_cookie_opens_nothing_after_logout_or_a_password_change(
    site: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    copy = _client(site)
    copy.cookies.update(client.cookies)
    assert copy.get("/").status_code == 200
    assert client.post("/dang-xuat", data={}).status_code == 403  # no CSRF token: refused, still logged in
    assert copy.get("/").status_code == 200
    assert client.post("/dang-xuat", data={"csrf": _csrf(client)}).status_code == 303
    assert copy.get("/").status_code == 303  # revoked on the server, not just forgotten by the browser
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    assert viewer.get("/").status_code == 200
    _add_user(capsys, monkeypatch, "lanhdao", "viewer", "mat-khau-moi-456")
    assert viewer.get("/").status_code == 303


def test_login_names_are_one_form_and_share_one_limit(site: str) -> None:
    for name in (" vanphong", "vanphong ", "VanPhong", "vanphong\u00a0", "VANPHONG"):
        client = _client(site)
        page = client.get("/dang-nhap")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        wrong = {"csrf": token.group(1), "username": name, "password": "sai-mat-khau-123"}
        assert client.post("/dang-nhap", data=wrong).status_code == 401
    client = _client(site)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/dang-nhap").text)
    assert token
    right = {"csrf": token.group(1), "username": "vanphong", "password": ADMIN_PASSWORD}
    assert client.post("/dang-nhap", data=right).status_code == 401  # five tries used up, whatever the spelling


def test_pages_refuse_framing_and_sniffing_and_odd_requests(site: str) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    page = client.get("/")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/dang-nhap").headers["x-frame-options"] == "DENY"
    assert client.get("/nhiem-vu/%00").status_code == 404
    csrf = _csrf(client, "/nhap-ke-hoach")
    big = client.post(
        "/nhap-ke-hoach", data={"csrf": csrf}, files={"file": ("ke-hoach.txt", b"TT\tNhiem vu\n" * (2 * 2**20))}
    )
    assert big.status_code == 413 and "Tệp quá lớn" in big.text


def test_an_applied_upload_is_not_kept_and_exports_hold_no_formulas(
    site: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _login(site, "vanphong", ADMIN_PASSWORD)
    csrf = _csrf(client, "/nhap-ke-hoach")
    plan = 'TT;Nhiệm vụ;Đơn vị chủ trì;Thời hạn\n1;=HYPERLINK("http://x","bấm");Phòng Kinh tế;Quý IV/2026\n'
    preview = client.post("/nhap-ke-hoach", data={"csrf": csrf}, files={"file": ("f.csv", plan.encode())})
    upload = re.search(r'name="upload" value="([^"]+)"', preview.text)
    assert upload and (workdir / "data" / "uploads" / upload.group(1)).exists()
    assert "Đã nhập kế hoạch." in client.post("/nhap-ke-hoach", data={"csrf": csrf, "upload": upload.group(1)}).text
    assert not (workdir / "data" / "uploads" / upload.group(1)).exists()
    export = client.get("/xuat/bao-cao.xlsx", params={"ky": "2026"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_unknown_name_costs_the_same_password_check_as_a_known_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifier.accounts.users import add_user
    from notifier.web import auth

    checked: list[str] = []
    real = auth.check_password

    def counting(password: str, stored: str) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(auth, "check_password", counting)
    at = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    with Session(engine) as session:
        add_user(session, "Vanphong", "admin", ADMIN_PASSWORD)
        assert auth.authenticate(session, "ai-do", "sai-mat-khau-1", "1.2.3.4", at) is None
        assert auth.authenticate(session, " VANPHONG ", ADMIN_PASSWORD, "1.2.3.5", at) is not None
    assert len(checked) == 2 and all(c.startswith("scrypt$") for c in checked)


def test_the_task_page_follows_each_unit_and_the_overview_filters_by_plan(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import REAL_PLANS

    client = _login(site, "lanhdao", VIEWER_PASSWORD)
    task = client.get(f"/nhiem-vu/{K}1.1").text  # lead Phòng VH-XH, coordinating the "cơ quan, đơn vị, thôn" group
    assert "Từng đơn vị" in task and "Phòng Kinh tế" in task and "phối hợp" in task and "chủ trì" in task
    assert "đã được nhắc, chưa xác nhận" in task and "Bước kế tiếp" in task
    units = client.get("/don-vi")
    assert units.status_code == 200 and "Phòng Kinh tế" in units.text and 'href="/don-vi"' in units.text
    assert "ke_hoach" not in client.get("/").text  # one plan: no plan filter
    assert run_cli(capsys, "import", str(REAL_PLANS / "05_hcm-2820-csdl-quy-hoach.txt")).code == 0
    both = client.get("/").text
    assert 'name="ke_hoach"' in both and "<th>Kế hoạch</th>" in both
    one = client.get("/", params={"ke_hoach": "2820-QD-UBND-2025"}).text
    assert "Tham mưu UBND Thành phố" in one and "Tuyên truyền Phổ biến" not in one
    unit_id = re.search(r'href="/don-vi/(\d+)">Phòng Văn hóa - Xã hội<', units.text).group(1)  # type: ignore[union-attr]
    unit = client.get(f"/don-vi/{unit_id}").text
    assert 'name="ke_hoach"' in unit and "<th>Kế hoạch</th>" in unit and "<td>KH-dan-van-2026</td>" in unit
    other = client.get(f"/don-vi/{unit_id}", params={"ke_hoach": "2820-QD-UBND-2025"}).text
    assert "<td>KH-dan-van-2026</td>" not in other
    problems = client.get("/van-de").text  # the second plan's unit names are not the commune's
    assert 'name="ke_hoach"' in problems and "kế hoạch 2820-QD-UBND-2025" in problems
    assert "kế hoạch 2820-QD-UBND-2025" not in client.get("/van-de", params={"ke_hoach": "KH-dan-van-2026"}).text


def test_the_report_page_shows_the_periodic_report_with_its_charts_and_documents(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    client = _login(site, "lanhdao", VIEWER_PASSWORD)
    expected = run_cli(capsys, "report", "--period", "2026-Q4", "--format", "json", "--now", "2026-11-27T09:00").json()
    page = client.get("/bao-cao", params={"ky": "2026-Q4"})
    assert page.status_code == 200 and "Quý IV năm 2026" in page.text
    assert "Tính đến hết ngày 27/11/2026" in page.text
    for unit in expected["units"]:
        cells = "".join(f"<td>{unit[k]}</td>" for k in ("done_on_time", "done_late", "in_progress", "overdue"))
        assert f"<td>{unit['unit']}</td>{cells}" in page.text, unit["unit"]
    svgs = re.findall(r"<svg .*?</svg>", page.text, re.S)
    assert len(svgs) == 2 and all('role="img"' in s for s in svgs)
    four = ("done_on_time", "done_late", "in_progress", "overdue")
    segments = sum(1 for u in expected["units"] for k in four if u[k])
    assert svgs[0].count("<rect") == segments  # one rectangle per non-zero count, nothing drawn from nothing
    assert re.findall(r"<text [^>]*>T(\d+)</text>", svgs[1]) == [str(m) for m in range(1, 12)]  # months begun
    workbook = client.get("/bao-cao/tai-ve", params={"ky": "2026-Q4", "dinh_dang": "xlsx"})
    assert workbook.status_code == 200 and 'filename="bao-cao-2026-Q4.xlsx"' in workbook.headers["content-disposition"]
    written = {c.value for row in openpyxl.load_workbook(io.BytesIO(workbook.content)).active.iter_rows() for c in row}
    assert "CHỦ TỊCH" in written and expected["units"][0]["unit"] in written
    document = client.get("/bao-cao/tai-ve", params={"ky": "2026-Q4", "dinh_dang": "docx"})
    assert document.status_code == 200 and document.content[:2] == b"PK"
    refused = client.get("/bao-cao", params={"ky": "quý 5"})
    assert refused.status_code == 400 and "kỳ báo cáo «quý 5» không hợp lệ" in refused.text
    assert client.get("/bao-cao", params={"ky": "2027"}).status_code == 400  # not begun


def test_the_office_decides_extension_requests_on_the_page(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    for key, day in (("4.6", "15/1/2027"), ("1.2#2", "15/12/2026")):
        asked = run_cli(
            capsys,
            "extensions",
            "request",
            f"{K}{key}",
            day,
            "--reason",
            "Chờ ý kiến cấp trên",
            "--now",
            "2026-11-27T09:00",
        )
        assert asked.code == 0, asked.err
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    seen = viewer.get("/gia-han")
    assert seen.status_code == 200 and "Đang chờ quyết định (2)" in seen.text and "Chờ ý kiến cấp trên" in seen.text
    assert "Đồng ý</button>" not in seen.text  # a viewer reads, nothing to press
    admin = _login(site, "vanphong", ADMIN_PASSWORD)
    token = _csrf(admin, "/gia-han")
    silent = admin.post("/gia-han/2", data={"csrf": token, "decision": "reject", "note": ""})
    assert silent.status_code == 400 and "ghi lý do" in silent.text
    approved = admin.post("/gia-han/1", data={"csrf": token, "decision": "approve", "date": "20/1/2027"})
    assert approved.status_code == 200 and "Đề nghị số 1: đã đồng ý." in approved.text
    rejected = admin.post("/gia-han/2", data={"csrf": token, "decision": "reject", "note": "Không có căn cứ"})
    assert "Đang chờ quyết định (0)" in rejected.text and "Không có căn cứ" in rejected.text
    decided = {e["id"]: e for e in run_cli(capsys, "extensions", "--all", "--json").json()}
    assert (decided[1]["status"], decided[1]["approved_due"], decided[1]["decided_by"]) == (
        "approved",
        "2027-01-20",
        "vanphong",
    )
    assert (decided[2]["status"], decided[2]["decision_note"]) == ("rejected", "Không có căn cứ")
    assert viewer.post("/gia-han/2", data={"csrf": _csrf(viewer, "/gia-han"), "decision": "approve"}).status_code == 403


def test_the_office_asks_for_an_explanation_on_the_task_page_and_sees_the_answer(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = _login(site, "vanphong", ADMIN_PASSWORD)
    token = _csrf(admin, f"/nhiem-vu/{K}4.8")
    page = admin.get(f"/nhiem-vu/{K}4.8")
    assert "Chưa có yêu cầu giải trình." in page.text and "Yêu cầu đơn vị chủ trì giải trình</button>" in page.text
    form = {"action": "explain", "question": "Vì sao chậm báo cáo?", "csrf": token}
    asked = admin.post(f"/nhiem-vu/{K}4.8/hanh-dong", data=form)
    assert asked.status_code == 200 and "Đã gửi yêu cầu giải trình số 1" in asked.text
    assert "«Vì sao chậm báo cáo?»" in asked.text and "chờ giải trình: trả lời trước hết ngày" in asked.text
    again = admin.post(f"/nhiem-vu/{K}4.8/hanh-dong", data=form)
    assert again.status_code == 400 and "đã có yêu cầu giải trình số 1 đang chờ" in again.text
    future = admin.get(f"/nhiem-vu/{K}2.2")  # not overdue: nothing to explain, no form
    assert "Yêu cầu đơn vị chủ trì giải trình</button>" not in future.text
    answered = run_cli(capsys, "explanations", "answer", "1", "--text", "Thiếu nhân lực", "--by", "Trưởng phòng")
    assert answered.code == 0, answered.err
    shown = admin.get(f"/nhiem-vu/{K}4.8")
    assert "<b>Giải trình</b> (Trưởng phòng," in shown.text and "Thiếu nhân lực" in shown.text
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    assert "Thiếu nhân lực" in viewer.get(f"/nhiem-vu/{K}4.8").text
    refused = viewer.post(f"/nhiem-vu/{K}4.8/hanh-dong", data={"action": "explain", "csrf": _csrf(viewer, "/")})
    assert refused.status_code in (403, 303) and len(run_cli(capsys, "explanations", "--all", "--json").json()) == 1


def test_healthz_says_whether_the_daemon_beats_and_names_its_problem(site: str) -> None:
    from notifier.clock import wall_time
    from notifier.db.engine import open_database
    from notifier.runtime import beat
    from notifier.settings import load_settings

    silent = httpx.get(f"{site}/healthz")
    assert silent.status_code == 503 and "không báo nhịp" in silent.text  # `notifier web` alone: no daemon
    engine = open_database(load_settings())
    try:
        beat(engine, wall_time(), wall_time())  # real time: liveness
        assert (httpx.get(f"{site}/healthz").status_code, httpx.get(f"{site}/healthz").text) == (200, "ok")
        beat(engine, wall_time(), wall_time(), "nhận tin Telegram dừng bất thường; chạy lại sau 10 giây")
        troubled = httpx.get(f"{site}/healthz")
        assert troubled.status_code == 503 and "nhận tin Telegram dừng bất thường" in troubled.text
    finally:
        engine.dispose()


def test_metrics_give_the_state_in_prometheus_text(site: str, capsys: pytest.CaptureFixture[str]) -> None:
    answer = httpx.get(f"{site}/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    gauges = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in answer.text.splitlines()
        if line and not line.startswith("#")
    }
    log = run_cli(capsys, "log", "--json").json()
    assert gauges['notifier_deliveries{status="sent"}'] == len([r for r in log if r["status"] == "sent"]) > 0
    assert gauges["notifier_daemon_up"] == 0  # `notifier web` alone: no daemon beats
    assert gauges['notifier_requests_waiting{kind="extension"}'] == 0
    assert "# TYPE notifier_digests_waiting gauge" in answer.text
    by_channel = Counter((r["channel"], r["status"]) for r in log)
    assert {k: v for k, v in gauges.items() if k.startswith("notifier_channel_deliveries")} == {
        f'notifier_channel_deliveries{{channel="{c}",status="{s}"}}': n for (c, s), n in by_channel.items()
    }
    waiting = [r for r in log if r["status"] in ("pending", "sending")]
    assert (gauges["notifier_oldest_waiting_delivery_age_seconds"] > 0) == bool(waiting)


def test_the_task_page_shows_its_extensions_and_the_date_in_force(
    site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = run_cli(
        capsys, "extensions", "request", f"{K}2.2", "15/1/2027", "--reason", "Chờ kinh phí", "--now", "2026-11-27T09:00"
    )
    assert asked.code == 0, asked.err
    viewer = _login(site, "lanhdao", VIEWER_PASSWORD)
    waiting = viewer.get(f"/nhiem-vu/{K}2.2").text
    assert "Đề nghị số 1" in waiting and "đang chờ quyết định" in waiting and "đã gia hạn đến" not in waiting
    assert run_cli(capsys, "extensions", "approve", "1", "--now", "2026-11-27T09:30").code == 0
    approved = viewer.get(f"/nhiem-vu/{K}2.2").text
    assert "<b>đã gia hạn đến 15/01/2027</b>" in approved and "31/12/2026 → 15/01/2027" in approved
    assert "Chưa có đề nghị gia hạn." in viewer.get(f"/nhiem-vu/{K}4.8").text
