"""Plans as offices hold them: the Word, PDF, .doc and .odt versions of each real plan import to the
same plan and the same tasks as its text export; what cannot be read is refused by name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import REAL_PLANS, SAMPLE
from tests.test_formats import _essence

PLANS = {
    "thai-tan": SAMPLE,
    "dong-thap": REAL_PLANS / "01_dongthap-617-cds-doanh-nghiep.txt",
    "ha-noi": REAL_PLANS / "03_hanoi-310-ha-tang-5g-iot.txt",
    "hcm": REAL_PLANS / "05_hcm-2820-csdl-quy-hoach.txt",
}
FORMATS = ["docx", "pdf", "doc", "odt"]
needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) is not installed"
)


def _issued(text: Path, fmt: str) -> Path:
    """The fixture made by tests/fixtures/documents.py from this text export."""
    return REAL_PLANS / f"{text.stem}.{fmt}"


def _plan_and_tasks(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    report = run_cli(capsys, "import", str(path), "--json")
    assert report.code == 0, report.err
    summary: dict[str, Any] = report.json()
    tasks = run_cli(capsys, "tasks", "--plan", summary["plan"]["code"], "--json").json()
    return summary, tasks


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=needs_libreoffice if f in "doc odt" else ()) for f in FORMATS])
@pytest.mark.parametrize("plan", PLANS)
def test_each_issued_format_imports_the_same_plan_and_tasks_as_the_text_export(
    workdir: Path, capsys: pytest.CaptureFixture[str], plan: str, fmt: str
) -> None:
    text_summary, expected = _plan_and_tasks(capsys, PLANS[plan])
    summary, tasks = _plan_and_tasks(capsys, _issued(PLANS[plan], fmt))
    # The same plan (re-imported, not a second one), with its number, year and issuer read the same.
    for field in ("code", "number", "title", "issuer", "date", "year", "decision"):
        assert summary["plan"][field] == text_summary["plan"][field], field
    assert summary["added"] == [] and summary["archived"] == [], (summary["added"], summary["archived"])
    assert _essence(tasks) == _essence(expected)


def _pdf(content: bytes) -> bytes:
    """A minimal one-page PDF drawing ``content`` (a content stream), with a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


SCANNED = _pdf(b"0.5 g 50 50 495 742 re f")  # a page that is only a picture: no text layer
NO_TABLE = _pdf(b"BT /F1 14 Tf 72 760 Td (KE HOACH) Tj 0 -20 Td (Mot doan van khong co bang.) Tj ET")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("scan.pdf", SCANNED, "ảnh quét, không có lớp chữ"),
        ("text-only.pdf", NO_TABLE, "không tìm thấy bảng danh mục"),
        ("password.pdf", (REAL_PLANS.parent / "bad" / "password.pdf").read_bytes(), "tệp PDF có mật khẩu"),
        ("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "tệp hỏng"),
        ("cut.pdf", _issued(PLANS["ha-noi"], "pdf").read_bytes()[:20_000], "tệp hỏng"),
        ("sheet.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel cũ (.xls)"),
    ],
)
def test_unreadable_pdfs_and_old_sheets_are_refused_by_name_and_change_nothing(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    before = _plan_and_tasks(capsys, PLANS["thai-tan"])[1]
    (tmp_path / name).write_bytes(data)
    result = run_cli(capsys, "import", str(tmp_path / name))
    assert result.code == 2 and name in result.err and expected in result.err, result.err
    assert "Traceback" not in result.err
    assert run_cli(capsys, "tasks", "--json").json() == before


def test_old_word_files_name_the_package_to_install_when_libreoffice_is_missing(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH
    for fmt in ("doc", "odt"):
        result = run_cli(capsys, "import", str(_issued(PLANS["ha-noi"], fmt)))
        assert result.code == 2 and "libreoffice-writer-nogui" in result.err and f".{fmt}" in result.err
    assert run_cli(capsys, "tasks", "--json").json() == []


@needs_libreoffice
def test_a_broken_old_word_file_is_refused_by_name(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "hong.doc"
    broken.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    result = run_cli(capsys, "import", str(broken))
    assert result.code == 2 and "hong.doc" in result.err and "LibreOffice không chuyển được" in result.err


def test_size_limits_are_the_office_s_to_set_and_refuse_before_reading(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "lon.txt"
    big.write_bytes(b"TT\tNhi\xe1\xbb\x87m v\xe1\xbb\xa5\n" * 200_000)  # 3.4 MB
    pdf = _issued(PLANS["hcm"], "pdf")
    monkeypatch.setenv("NOTIFIER_PLAN_MAX_TEXT_MB", "2")
    monkeypatch.setenv("NOTIFIER_PLAN_MAX_DOCUMENT_MB", "1")
    refused = run_cli(capsys, "import", str(big))
    assert refused.code == 2 and "lon.txt: tệp quá lớn (3 MB, tối đa 2 MB" in refused.err
    assert pdf.stat().st_size < 2**20  # the limit is whole megabytes: a smaller PDF passes
    assert run_cli(capsys, "import", str(pdf)).code == 0
    monkeypatch.setenv("NOTIFIER_PLAN_MAX_TEXT_MB", "4")
    assert "tệp quá lớn" not in run_cli(capsys, "import", str(big)).err
    monkeypatch.setenv("NOTIFIER_PLAN_MAX_TEXT_MB", "0")
    assert run_cli(capsys, "import", str(big)).code == 2
