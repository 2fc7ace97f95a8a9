"""Email against a real SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS and authentication, and
the acknowledgement link through the real web app over HTTP."""

from __future__ import annotations

import email
import io
import logging
import re
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifier.channels.email import message_id
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.servers import free_port, web_site

VH = "Phòng Văn hóa - Xã hội"
logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd chatter from its own thread
ALICE = "truongphong.vhxh@thaitan.gov.vn"
BOB = "phophong.vhxh@thaitan.gov.vn"
NOBODY = "khongco@thaitan.gov.vn"
AT_8 = "2026-11-27T08:00"


class Inbox:
    """The mail server's side: what arrived, and the answers it is told to give."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.deferred_ids: list[str] = []
        self.refuse = {NOBODY}
        self.defer_once: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 Hộp thư không tồn tại"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        deferred = self.defer_once & set(envelope.rcpt_tos)
        if deferred:
            self.defer_once -= deferred
            self.deferred_ids.append(str(message["Message-ID"]))
            return "451 4.3.0 Hệ thống bận, thử lại sau"
        self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"nhacviec", b"mat-khau")
    return AuthResult(success=ok)


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server, ca_file


def _controller(inbox: Inbox, port: int, context: ssl.SSLContext) -> Controller:
    return Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )


@pytest.fixture
def mail(workdir: Path, monkeypatch: pytest.MonkeyPatch, tls: tuple[ssl.SSLContext, Path]) -> Iterator[dict[str, Any]]:
    port, web_port = free_port(), free_port()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    monkeypatch.setenv("SMTP_USER", "nhacviec")
    monkeypatch.setenv("SMTP_PASSWORD", "mat-khau")
    monkeypatch.setenv("SMTP_CA_FILE", str(tls[1]))
    monkeypatch.setenv("MAIL_FROM", "nhacviec@thaitan.gov.vn")
    monkeypatch.setenv("PUBLIC_BASE_URL", f"http://127.0.0.1:{web_port}")
    monkeypatch.setenv("NOTIFIER_SECRET_KEY", "test-secret-key-0123456789")
    monkeypatch.setenv("NOTIFIER_RETRY_SECONDS", "1")
    inbox = Inbox()
    state: dict[str, Any] = {"inbox": inbox, "port": port, "web_port": web_port, "controller": None}
    yield state
    if state["controller"] is not None:
        state["controller"].stop()


def _start(mail: dict[str, Any], tls: tuple[ssl.SSLContext, Path]) -> Inbox:
    mail["controller"] = _controller(mail["inbox"], mail["port"], tls[0])
    mail["controller"].start()
    inbox: Inbox = mail["inbox"]
    return inbox


@pytest.fixture
def linked(mail: dict[str, Any], tls: tuple[ssl.SSLContext, Path], capsys: pytest.CaptureFixture[str]) -> Inbox:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    assert run_cli(capsys, "units", "link", VH, "--email", ALICE, "--email", BOB).code == 0
    return _start(mail, tls)


def _once(capsys: pytest.CaptureFixture[str], at: str = AT_8) -> None:
    result = run_cli(capsys, "run", "--once", "--now", at)
    assert result.code == 0, result.err


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _reminder(inbox: Inbox, address: str) -> EmailMessage:
    return next(m for m in inbox.to(address) if "Tổng hợp tuần" not in str(m["Subject"]))


def test_each_recipient_gets_the_digest_with_both_parts_and_filter_headers(
    linked: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    message = _reminder(linked, ALICE)
    # The subject says what the digest holds, group by group.
    assert message["Subject"] == f"[Nhắc việc] {VH}: 2 quá hạn, 9 trong thời gian thực hiện, 1 báo cáo tiến độ"
    assert message["To"] == ALICE and "nhacviec@thaitan.gov.vn" in message["From"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Id"].startswith("Nhắc việc <nhacviec.")
    text, html = _parts(message)
    assert "Quá hạn (2):" in text and "quá hạn 181 ngày làm việc" in text
    assert "<b>1.2.</b>" in html and "&quot;" not in text
    # Titles whole in email (chat messages cut them at 110 characters); no reply code in a no-reply mail.
    long_title = "Ban hành Kế hoạch và tổ chức triển khai thực hiện công tác dân vận theo chủ đề năm 2026"
    assert long_title in text and "công tác dân vận, dân chủ ở cơ sở." in text and "…" not in text
    assert "#R" not in text and "#R" not in html
    assert "Kính gửi <b>Phòng Văn hóa - Xã hội</b>" in html
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder"]
    assert sorted((r["channel"], r["target"], r["status"]) for r in log) == [
        ("email", BOB, "sent"),
        ("email", ALICE, "sent"),
    ]
    alice = next(r for r in log if r["target"] == ALICE)
    assert message["Message-ID"] == message_id(f"{alice['digest_id']}:email:{ALICE}", "nhacviec@thaitan.gov.vn")
    assert _ack_url(message) != _ack_url(_reminder(linked, BOB))  # each recipient has a link of their own


def _ack_url(message: EmailMessage) -> str:
    text, _ = _parts(message)
    return next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Xác nhận đã nhận: "))


def test_a_refused_recipient_is_recorded_and_does_not_stop_the_others(
    mail: dict[str, Any], tls: tuple[ssl.SSLContext, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    run_cli(capsys, "units", "link", VH, "--email", NOBODY, "--email", ALICE)
    inbox = _start(mail, tls)
    _once(capsys)
    log = {
        r["target"]: r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH and r["kind"] == "reminder"
    }
    assert log[NOBODY]["status"] == "failed" and log[NOBODY]["error"].startswith("550")
    assert log[ALICE]["status"] == "sent" and inbox.to(ALICE)
    assert f"{VH} (email: {NOBODY})" in run_cli(capsys, "status", "--json").json()["failing_links"]


def test_a_server_that_is_down_is_retried_when_it_comes_back(
    mail: dict[str, Any], tls: tuple[ssl.SSLContext, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    run_cli(capsys, "units", "link", VH, "--email", ALICE)
    _once(capsys)  # nothing listens on the port yet
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH]
    assert {r["status"] for r in log} == {"pending"} and "không kết nối được" in log[0]["error"]
    inbox = _start(mail, tls)
    time.sleep(1.2)
    _once(capsys)
    assert {r["status"] for r in run_cli(capsys, "log", "--json").json() if r["unit"] == VH} == {"sent"}
    assert len(inbox.to(ALICE)) == 2  # the reminder and the weekly summary, once each


def test_the_message_id_is_the_same_on_a_retry(linked: Inbox, capsys: pytest.CaptureFixture[str]) -> None:
    linked.defer_once.add(ALICE)
    _once(capsys)
    time.sleep(1.2)
    _once(capsys)
    [deferred] = linked.deferred_ids
    accepted = [str(m["Message-ID"]) for m in linked.to(ALICE)]
    assert accepted.count(deferred) == 1 and len(accepted) == 2  # it came again, under the same id


@pytest.fixture
def web(mail: dict[str, Any], linked: Inbox) -> Iterator[str]:
    with web_site(datetime(2026, 11, 27, 2, 0, tzinfo=UTC), mail["web_port"]) as url:
        yield url


def _acks(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    log = run_cli(capsys, "log", "--json").json()
    return [(a["by"], a["action"], a["channel"]) for r in log for a in r["acks"]]


def test_the_link_acknowledges_on_post_only_and_once(
    web: str, linked: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    url = _ack_url(_reminder(linked, ALICE))
    assert url.startswith(web + "/xac-nhan/")
    page = httpx.get(url)
    assert page.status_code == 200 and "Xác nhận đã nhận" in page.text and "1.2." in page.text
    assert '<meta name="viewport"' in page.text  # usable on a phone
    assert _acks(capsys) == []  # a GET (a scanner, a preview) changes nothing
    done = httpx.post(url)
    assert done.status_code == 200 and f"Đã xác nhận:</b> {ALICE}, lúc 09:00 27/11/2026" in done.text
    assert _acks(capsys)[:1] == [(ALICE, "received", "email")]
    again = httpx.post(url)
    assert f"đã được xác nhận</b> bởi {ALICE} lúc 09:00 27/11/2026" in again.text
    other = httpx.get(_ack_url(_reminder(linked, BOB)))
    assert f"bởi {ALICE}" in other.text  # one acknowledgement counts for the digest on every channel
    log = run_cli(capsys, "log", "--json").json()
    alice = next(r for r in log if r["target"] == ALICE and r["kind"] == "reminder")
    assert [(a["by"], a["action"]) for a in alice["acks"]] == [(ALICE, "received")]


def test_forged_tampered_and_expired_links_are_refused(
    web: str, mail: dict[str, Any], linked: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    url = _ack_url(_reminder(linked, ALICE))
    head, signature = url.rsplit(".", 1)
    tampered = head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    delivery, expires, sig = url.rsplit("/", 1)[1].split(".")
    moved = url.rsplit("/", 1)[0] + f"/{int(delivery) + 1}.{expires}.{sig}"
    for bad in (tampered, moved, web + "/xac-nhan/not-a-token"):
        response = httpx.post(bad)
        assert response.status_code == 400 and "Liên kết không hợp lệ" in response.text
    assert _acks(capsys) == []
    with web_site(datetime(2026, 11, 27, tzinfo=UTC) + timedelta(days=31)) as other:
        response = httpx.post(url.replace(web, other))
    assert response.status_code == 410 and "Liên kết đã hết hạn" in response.text
    assert _acks(capsys) == []


def test_an_email_acknowledgement_shows_in_the_units_telegram_message(
    web: str, linked: Inbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fake_telegram import FakeTelegram

    telegram = FakeTelegram()
    monkeypatch.setenv("TELEGRAM_API_URL", telegram.start())
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    telegram.add_chat(-1001, "VH-XH")
    try:
        assert run_cli(capsys, "units", "link", VH, "--telegram", "-1001").code == 0
        _once(capsys)
        assert httpx.post(_ack_url(_reminder(linked, ALICE))).status_code == 200
        _once(capsys, "2026-11-27T09:05")
        message = next(m for m in telegram.messages(-1001) if m.text.startswith(f"[Nhắc việc] {VH} —"))
        assert f"✅ Đã nhận: {ALICE}, 09:00 27/11/2026" in message.text
        assert "✅ Đã nhận" not in [text for text, _ in message.buttons()]
        edits = len(message.edits)
        _once(capsys, "2026-11-27T09:10")
        assert len(message.edits) == edits  # shown once, not edited again and again
    finally:
        telegram.stop()


LEADER = "chutich@thaitan.gov.vn"


def test_leadership_gets_the_periodic_report_with_its_workbook_once_before_it_is_due(
    mail: dict[str, Any], tls: tuple[ssl.SSLContext, Path], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = workdir / "config" / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "  to_leadership: false                  # to leadership_unit", "  to_leadership: true"
        ),
        encoding="utf-8",
    )
    assert run_cli(capsys, "import", str(SAMPLE), "--now", "2026-11-20T09:00").code == 0
    assert run_cli(capsys, "units", "link", "Lãnh đạo UBND xã", "--email", LEADER).code == 0
    inbox = _start(mail, tls)
    # Due upward on 15/12; two working days before is Friday 11/12. December closes the quarter,
    # the half and the year together: the year's report goes.
    _once(capsys, "2026-12-10T08:00")
    assert not [m for m in inbox.to(LEADER) if "Báo cáo" in str(m["Subject"])]
    _once(capsys, "2026-12-11T08:00")
    _once(capsys, "2026-12-14T08:00")
    reports = [m for m in inbox.to(LEADER) if "Báo cáo" in str(m["Subject"])]
    assert len(reports) == 1
    expected = run_cli(capsys, "report", "--period", "2026", "--format", "json", "--now", "2026-12-11T08:00").json()
    message = reports[0]
    assert message["Subject"] == (
        f"[Nhắc việc] Báo cáo kết quả thực hiện nhiệm vụ Năm 2026 — quá hạn {expected['totals']['overdue']}"
    )
    text, html = _parts(message)
    assert "tính đến hết ngày 11/12/2026" in text
    for unit in expected["units"]:
        four = " / ".join(str(unit[k]) for k in ("done_on_time", "done_late", "in_progress", "overdue"))
        assert f"- {unit['unit']}: {four}" in text
    segments = sum(
        1 for u in expected["units"] for k in ("done_on_time", "done_late", "in_progress", "overdue") if u[k]
    )
    assert html.count('<td title="') == segments  # the bars, drawn with cells a mail client shows
    files = [p for p in message.iter_attachments() if p.get_filename() == "bao-cao-2026.xlsx"]
    assert len(files) == 1
    sheet = openpyxl.load_workbook(io.BytesIO(files[0].get_content())).active
    totals = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "Tổng cộng")
    assert list(totals[2:6]) == [expected["totals"][k] for k in ("done_on_time", "done_late", "in_progress", "overdue")]
    log = [r for r in run_cli(capsys, "log", "--json").json() if r["kind"] == "report"]
    assert [(r["unit"], r["target"], r["status"]) for r in log] == [("Lãnh đạo UBND xã", LEADER, "sent")]


def test_the_email_link_page_takes_an_extension_request(
    web: str, linked: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _once(capsys)
    url = _ack_url(_reminder(linked, ALICE))
    page = httpx.get(url)
    options = dict((v, t) for v, t in re.findall(r'<option value="(\d+)">([^<]+)</option>', page.text))
    assert "Xin gia hạn" in page.text and options and all(not t.startswith("(") for t in options.values())
    item = next(v for v, t in options.items() if t.startswith("2.2."))
    refused = httpx.post(url, data={"ask": "extension", "item": item, "date": "1/1/2026", "reason": "x"})
    assert "Chưa ghi nhận đề nghị gia hạn: ngày đề nghị 01/01/2026 phải sau hạn hiện tại" in refused.text
    asked = httpx.post(url, data={"ask": "extension", "item": item, "date": "15/1/2027", "reason": "Chờ kinh phí"})
    assert "Đã ghi nhận đề nghị gia hạn số 1: nhiệm vụ 2.2 đến ngày 15/01/2027." in asked.text
    assert _acks(capsys) == []  # asking for time is not acknowledging receipt
    [request] = run_cli(capsys, "extensions", "--json").json()
    assert (request["unit"], request["requested_via"], request["requested_by"], request["reason"]) == (
        VH,
        "email",
        ALICE,
        "Chờ kinh phí",
    )
    forged = httpx.post(url[:-3] + "AAA", data={"ask": "extension", "item": item, "date": "20/1/2027"})
    assert forged.status_code == 400 and len(run_cli(capsys, "extensions", "--json").json()) == 1


def test_a_request_for_explanation_is_answered_through_the_email_form(
    web: str, linked: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = run_cli(
        capsys, "explanations", "ask", "KH-dan-van-2026:4.8", "--question", "Vì sao chưa báo cáo?", "--now", AT_8
    )
    assert asked.code == 0, asked.err
    _once(capsys, "2026-11-27T08:05")
    message = next(m for m in linked.to(ALICE) if "Yêu cầu giải trình số 1" in str(m["Subject"]))
    text, html = _parts(message)
    assert "Nội dung yêu cầu: Vì sao chưa báo cáo?" in text and ">Gửi giải trình</a>" in html
    url = next(line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Gửi giải trình tại: "))
    page = httpx.get(url)
    assert "Yêu cầu giải trình số 1" in page.text and 'name="answer"' in page.text
    empty = httpx.post(url, data={"ask": "explanation", "answer": "  "})
    assert "Chưa ghi nhận giải trình: nội dung giải trình còn trống." in empty.text
    sent = httpx.post(url, data={"ask": "explanation", "answer": "Đang tổng hợp số liệu, xong trước 10/12/2026"})
    assert "Đã ghi nhận nội dung giải trình (yêu cầu số 1)." in sent.text
    again = httpx.get(url)
    assert "Đã giải trình" in again.text and 'name="answer"' not in again.text
    forged = httpx.post(url[:-3] + "AAA", data={"ask": "explanation", "answer": "giả mạo"})
    assert forged.status_code == 400
    [record] = run_cli(capsys, "explanations", "--all", "--json").json()
    assert (record["status"], record["answered_by"], record["answered_via"], record["answer"]) == (
        "answered",
        ALICE,
        "email",
        "Đang tổng hợp số liệu, xong trước 10/12/2026",
    )
    # The log shows the answer under the request's message (one row per recipient); nothing was
    # acknowledged as received.
    assert set(_acks(capsys)) == {(ALICE, "explained", "email")}
