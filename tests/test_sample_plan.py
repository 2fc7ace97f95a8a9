"""The customer's plan, pinned row by row through `notifier import` and `notifier tasks --json`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE

VP = "Văn phòng HĐND và UBND xã"
VH = "Phòng Văn hóa - Xã hội"
KT = "Phòng Kinh tế"
HCC = "Trung tâm Phục vụ hành chính công"
SN = "Trung tâm Dịch vụ sự nghiệp công"
MT = "Ủy ban MTTQ Việt Nam xã"
XD = "Ban Xây dựng Đảng"
KTD = "Ủy ban Kiểm tra Đảng ủy"
BC = "Ủy ban Bầu cử xã"
OFFICES = [VP, VH, KT, HCC, SN]
YEAR = ("once", "2026-01-01", "2026-12-31")
ALWAYS = ("continuous", None, None)


def _others(*lead: str) -> list[str]:
    return [u for u in OFFICES if u not in lead]


# key suffix, number, parent, section, lead units, coordinating units, (kind, start, due), deadline words
EXPECTED: list[tuple[str, str, str | None, str, list[str], list[str], tuple[str, str | None, str | None], str]] = [
    ("1.1", "1.1", None, "1", [VH], _others(VH), ALWAYS, "Thường xuyên"),
    ("1.2", "1.2", None, "1", [VP], _others(VP), ALWAYS, "Thường xuyên"),
    ("1.2#2", "1.2", None, "1", [VH], _others(VH), ("once", None, "2026-03-10"), "Hoàn thành trước ngày 10/3/2026"),
    ("2.1", "2.1", None, "2", [KT], _others(KT), ALWAYS, "Thường xuyên"),
    (
        "2.2",
        "2.2",
        None,
        "2",
        [VH],
        _others(VH),
        ("yearly", "2026-01-01", "2026-12-31"),
        "Năm 2026 và các năm tiếp theo",
    ),
    ("2.3", "2.3", None, "2", [VH], _others(VH), YEAR, "Năm 2026"),
    ("3.1", "3.1", None, "3", [VH], [*_others(VH), XD, MT], YEAR, "Năm 2026"),
    ("3.2", "3.2", None, "3", [KT], _others(KT), YEAR, "Năm 2026"),
    ("3.3", "3.3", None, "3", [VH], _others(VH), YEAR, "Năm 2026"),
    ("3.3.a", "a", "3.3", "3", [VH], _others(VH), YEAR, "Năm 2026"),
    ("3.3.b", "b", "3.3", "3", [VP], _others(VP), ("once", None, "2026-02-28"), "Hoàn thành trước ngày 28/02/2026"),
    ("3.3.c", "c", "3.3", "3", [VH], _others(VH), YEAR, "Năm 2026"),
    ("3.3.d", "d", "3.3", "3", [KT, SN], [VH, MT, XD], YEAR, "Năm 2026"),
    ("4.1", "4.1", None, "4", [VH], _others(VH), YEAR, "Năm 2026"),
    ("4.2", "4.2", None, "4", [HCC, KT], [VP, VH, SN], YEAR, "Năm 2026"),
    ("4.3", "4.3", None, "4", [VP], _others(VP), YEAR, "Năm 2026"),
    ("4.4", "4.4", None, "4", [VP], _others(VP), YEAR, "Năm 2026"),
    ("4.5", "4.5", None, "4", [VP], _others(VP), YEAR, "Năm 2026"),
    ("4.6", "4.6", None, "4", [VP], [KTD], YEAR, "Năm 2026"),
    ("4.7", "4.7", None, "4", [VH], _others(VH), ("once", "2026-10-01", "2026-12-31"), "Quý IV"),
    ("4.8", "4.8", None, "4", [VH], [KTD, BC, MT], ("once", "2026-01-01", "2026-03-31"), "Quý I/2026"),
    ("4.9", "4.9", None, "4", [HCC], _others(HCC), ALWAYS, "Thường xuyên"),
    ("5.1", "5.1", None, "5", [VH], _others(VH), ("unspecified", None, None), "Theo công văn chỉ đạo các cấp"),
    ("5.2", "5.2", None, "5", [VH], _others(VH), YEAR, "Năm 2026"),
]


@pytest.fixture
def sample_tasks(workdir: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    result = run_cli(capsys, "tasks", "--json")
    assert result.code == 0, result.err
    tasks: list[dict[str, Any]] = result.json()
    return tasks


def test_every_catalogue_row_is_imported_in_order(sample_tasks: list[dict[str, Any]]) -> None:
    assert [t["key"] for t in sample_tasks] == [f"KH-dan-van-2026:{row[0]}" for row in EXPECTED]


@pytest.mark.parametrize("row", EXPECTED, ids=[row[0] for row in EXPECTED])
def test_each_row_has_its_number_parent_units_and_deadline(
    sample_tasks: list[dict[str, Any]], row: tuple[Any, ...]
) -> None:
    suffix, number, parent, section, lead, coordinating, (kind, start, due), words = row
    task = next(t for t in sample_tasks if t["key"] == f"KH-dan-van-2026:{suffix}")
    assert (task["number"], task["parent"], task["section"]) == (number, parent, section)
    assert task["lead_units"] == lead
    assert task["coordinating_units"] == coordinating
    assert task["deadline"] == {
        "text": words,
        "kind": kind,
        "start": start,
        "due": due,
        "due_day": None,
        "understood": True,
        "set_by_office": False,
    }
    assert task["status"] == "open"
    assert task["plan"] == "KH-dan-van-2026"


def test_a_row_continued_after_a_page_break_joins_its_task(sample_tasks: list[dict[str, Any]]) -> None:
    task = next(t for t in sample_tasks if t["number"] == "3.2")
    assert task["title"].endswith(
        "đẩy nhanh tiến độ đăng ký đất đai, cấp giấy chứng nhận quyền sử dụng đất "
        "cho các cơ sở tôn giáo đủ điều kiện theo quy định."
    )


def test_free_text_around_unit_names_is_kept_as_a_note(sample_tasks: list[dict[str, Any]]) -> None:
    task = next(t for t in sample_tasks if t["number"] == "d")
    assert task["coordinating_text"].startswith("Phòng Văn hóa - Xã hội tổng hợp, theo dõi chung; đề nghị")
    assert "tổng hợp, theo dõi chung" in task["unit_note"]
    assert task["coordinating_groups"] == []
    assert task["lead_groups"] == ["Các đơn vị sự nghiệp công lập"]


def test_section_rows_are_headings_with_their_titles(sample_tasks: list[dict[str, Any]]) -> None:
    first = sample_tasks[0]
    assert first["section_title"].startswith("CÁC NHIỆM VỤ VỀ XÂY DỰNG KẾ HOẠCH")
    assert not any(t["number"] in {"1", "2", "3", "4", "5"} for t in sample_tasks)


def test_import_report_names_plan_counts_and_empty_village_group(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "import", str(SAMPLE), "--json")
    report = result.json()
    assert report["plan"] == {
        "code": "KH-dan-van-2026",
        "number": None,
        "title": "Triển khai thực hiện công tác dân vận năm 2026 của cơ quan hành chính, chính quyền nhà nước "
        "trên địa bàn xã Thái Tân",
        "issuer": "Ủy ban nhân dân xã Thái Tân",
        "date": None,
        "year": 2026,
        "decision": None,
        "new": True,
    }
    assert report["tasks"] == 24
    assert report["units_unresolved"] == {}
    assert report["empty_groups"] == ["Các thôn"]
    assert report["deadline_kinds"] == {"continuous": 4, "once": 18, "yearly": 1, "unspecified": 1}
    assert report["deadlines_not_understood"] == []
    assert report["columns"] == {
        "number": "TT",
        "title": "Nhiệm vụ",
        "lead": "Cơ quan chủ trì",
        "coordinating": "Cơ quan phối hợp",
        "deadline": "Thời gian thực hiện",
    }


def test_filtering_by_unit_lists_lead_and_coordinating_tasks(
    sample_tasks: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "tasks", "--unit", "UBKT Đảng ủy", "--json")
    assert [t["number"] for t in result.json()] == ["4.6", "4.8"]
    unknown = run_cli(capsys, "tasks", "--unit", "Phòng Không Có")
    assert unknown.code == 2 and "Phòng Không Có" in unknown.err
