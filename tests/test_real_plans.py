"""Three real plans from other authorities, with other layouts: nothing lost, nothing invented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import REAL_PLANS

DONG_THAP = REAL_PLANS / "01_dongthap-617-cds-doanh-nghiep.txt"
HA_NOI = REAL_PLANS / "03_hanoi-310-ha-tang-5g-iot.txt"
HCM = REAL_PLANS / "05_hcm-2820-csdl-quy-hoach.txt"


def _import(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    report = run_cli(capsys, "import", str(path), "--json")
    assert report.code == 0, report.err
    summary = report.json()
    tasks = run_cli(capsys, "tasks", "--plan", summary["plan"]["code"], "--json").json()
    return summary, tasks


def _deadlines(tasks: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (t["key"].split(":", 1)[1], t["deadline"]["kind"], t["deadline"]["start"], t["deadline"]["due"]) for t in tasks
    ]


def test_dong_thap_numbers_restart_under_roman_sections(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary, tasks = _import(capsys, DONG_THAP)
    assert summary["plan"]["code"] == "617-KH-UBND-2025"
    assert summary["plan"]["number"] == "617/KH-UBND"
    assert summary["plan"]["issuer"] == "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP"
    assert summary["plan"]["date"] == "2025-12-01"
    assert summary["columns"]["title"] == "Tên nhiệm vụ" and summary["columns"]["deadline"] == "Thời gian hoàn thành"
    q4 = ("once", "2025-10-01", "2025-12-31")
    yearly = ("yearly", "2025-01-01", "2025-12-31")
    always = ("continuous", None, None)
    assert _deadlines(tasks) == [
        ("I.1", *always),
        ("I.2", *always),
        ("I.3", *yearly),
        ("II.4", *q4),
        ("II.5", *q4),
        ("II.6", *q4),
        ("II.7", *yearly),
        ("III.8", *q4),
        ("IV.9", *always),
        ("IV.10", *always),
        ("IV.11", *q4),
    ]
    assert tasks[2]["deadline"]["text"] == "Thường xuyên, hằng năm"
    assert tasks[3]["section_title"] == "HOÀN THIỆN CƠ CHẾ, CHÍNH SÁCH HỖ TRỢ CHUYỂN ĐỔI SỐ DOANH NGHIỆP"
    assert tasks[7]["lead_units"] == ["Sở KH&CN"]
    # The last phrase is one of this commune's groups (config/units.yaml), the others are unknown here.
    assert tasks[7]["coordinating_units"][:3] == [
        "Ban Quản lý Khu kinh tế",
        "Sở Công Thương",
        "các doanh nghiệp viễn thông",
    ]
    assert tasks[7]["coordinating_groups"] == ["Các cơ quan, đơn vị"]
    assert summary["columns"]["coordinating"] == "Cơ quan phối hợp"
    assert summary["deadlines_not_understood"] == []


def test_ha_noi_plan_with_a_signature_block_before_its_appendix(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary, tasks = _import(capsys, HA_NOI)
    assert summary["plan"]["code"] == "310-KH-UBND-2025"
    assert summary["plan"]["issuer"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    assert summary["columns"]["title"] == "Nội dung/nhiệm vụ"
    assert _deadlines(tasks) == [
        ("1", "once", "2026-07-01", "2026-09-30"),
        ("2", "once", "2025-10-01", "2026-06-30"),
        ("3", "continuous", None, None),
        ("4", "continuous", None, None),
        ("5", "continuous", None, None),
        ("6", "yearly", "2025-01-01", "2025-12-31"),
    ]
    assert summary["problems"] == []
    assert tasks[0]["coordinating_units"] == ["Sở Khoa học và Công nghệ", "Sở Công Thương", "UBND các phường, xã"]
    assert tasks[4]["lead_units"] == ["Doanh nghiệp, nhà cung cấp dịch vụ IoT, nhà đầu tư"]


def test_hcm_plan_carried_by_a_decision_keeps_merged_rows_and_extra_columns(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary, tasks = _import(capsys, HCM)
    plan = summary["plan"]
    assert (plan["code"], plan["number"], plan["decision"], plan["date"]) == (
        "2820-QD-UBND-2025",
        None,
        "2820/QĐ-UBND",
        "2025-11-19",
    )
    assert plan["title"].startswith("TRIỂN KHAI QUYẾT ĐỊNH SỐ 06/QĐ-TTG")
    assert summary["tasks"] == 28
    # Three rows whose number cell was merged away in the export: each is a second task of its number.
    assert [(p["level"], p["where"]) for p in summary["problems"]] == [
        ("info", "dòng 458"),
        ("info", "dòng 471"),
        ("info", "dòng 476"),
    ]
    assert summary["columns"]["deadline"] == "Thời gian dự kiến hoàn thành"
    assert summary["columns"]["extra:Kết quả dự kiến"] == "Kết quả dự kiến"
    by_key = {t["key"].split(":", 1)[1]: t for t in tasks}
    merged = by_key["II.1#2"]
    assert merged["number"] == "1"
    assert merged["title"].startswith("Xây dựng hạ tầng kỹ thuật dự phòng")
    assert merged["lead_units"] == ["Trung tâm Chuyển đổi số Thành phố"]
    assert merged["deadline"]["due"] == "2026-12-31"
    assert by_key["IV.2#2"]["lead_units"] == ["Sở Khoa học và Công nghệ"]
    assert by_key["V.1#2"]["lead_units"] == ["Sở Tài chính"]
    assert by_key["I.1"]["extras"] == {
        "Kết quả dự kiến": "Luật Quy hoạch, Quyết định của cấp có thẩm quyền",
        "Nguồn kinh phí": "Chi thường xuyên hoặc nguồn vốn hợp pháp khác (nếu có)",
    }
    assert by_key["IV.4"]["lead_units"] == ["Các sở, ngành", "UBND xã, phường, đặc khu", "Sở Tài chính"]
    assert by_key["VI.4"]["deadline"]["kind"] == "unspecified"
    assert by_key["VI.5"]["deadline"]["kind"] == "quarterly"
    assert by_key["III.6"]["deadline"]["due"] == "2030-06-30"
    assert summary["deadlines_not_understood"] == []


def test_three_plans_live_side_by_side(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in (DONG_THAP, HA_NOI, HCM):
        _import(capsys, path)
    everything = run_cli(capsys, "tasks", "--json").json()
    assert len(everything) == 11 + 6 + 28
    assert len({t["key"] for t in everything}) == len(everything)
