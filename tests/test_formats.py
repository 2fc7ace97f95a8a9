"""Every format a plan arrives in reads to the same tasks; bad files are refused and change nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import SAMPLE
from tests.plan_builders import build_docx, build_xlsx


def _essence(tasks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            t["key"],
            t["number"],
            t["parent"],
            t["section"],
            t["title"],
            t["lead_units"],
            t["coordinating_units"],
            t["deadline"]["text"],
            t["deadline"]["kind"],
            t["deadline"]["due"],
        )
        for t in tasks
    ]


def _tasks_after_import(capsys: pytest.CaptureFixture[str], path: Path) -> list[dict[str, Any]]:
    result = run_cli(capsys, "import", str(path))
    assert result.code == 0, result.err
    tasks: list[dict[str, Any]] = run_cli(capsys, "tasks", "--json").json()
    return tasks


@pytest.mark.parametrize("builder", [build_docx, build_xlsx], ids=["docx", "xlsx"])
def test_word_and_excel_versions_import_to_the_same_tasks_as_the_text_export(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], builder: Any
) -> None:
    expected = _essence(_tasks_after_import(capsys, SAMPLE))
    built = builder(tmp_path / f"plan.{builder.__name__.rsplit('_', 1)[1]}")
    report = run_cli(capsys, "import", str(built), "--json")
    assert report.code == 0, report.err
    summary = report.json()
    assert summary["plan"]["code"] == "KH-dan-van-2026"
    assert summary["added"] == [] and summary["archived"] == []
    # Only the Word cell written one unit per paragraph reads differently, and only in its words.
    changed = [(c["key"], c["fields"]) for c in summary["changed"]]
    assert changed == ([("KH-dan-van-2026:4.2", ["cơ quan chủ trì"])] if built.suffix == ".docx" else [])
    assert _essence(run_cli(capsys, "tasks", "--json").json()) == expected


def test_docx_merged_cells_repeat_down_and_section_rows_span(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = _tasks_after_import(capsys, build_docx(tmp_path / "plan.docx"))
    first_three = [t["coordinating_text"] for t in tasks[:3]]
    assert first_three == ["Các cơ quan, đơn vị, các thôn"] * 3
    assert tasks[14]["lead_text"] == "Trung tâm Phục vụ hành chính công\nPhòng Kinh tế"


CSV = """TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn hoàn thành;Sản phẩm
1;Báo cáo sơ kết;Phòng Văn hóa - Xã hội;Các phòng chuyên môn;Trước ngày 15/6/2026;Báo cáo
2;Rà soát thủ tục;Trung tâm PVHCC;;Quý III/2026;
"""

YAML = """plan:
  number: 12/KH-UBND
  title: Kế hoạch thử
  date: 2026-03-01
tasks:
  - section: CÔNG TÁC CHUNG
    number: I
  - number: "1"
    title: Tổ chức hội nghị
    lead: Văn phòng UBND xã
    coordinating: [Phòng Kinh tế, UBMTTQ xã]
    deadline: Quý II
    product: Biên bản
"""


def test_csv_plan_reads_by_headers(tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ke-hoach.csv"
    path.write_text(CSV, encoding="utf-8")
    result = run_cli(capsys, "import", str(path), "--year", "2026", "--plan", "CSV-2026")
    assert result.code == 0, result.err
    tasks = run_cli(capsys, "tasks", "--json").json()
    assert [(t["key"], t["lead_units"], t["deadline"]["due"]) for t in tasks] == [
        ("CSV-2026:1", ["Phòng Văn hóa - Xã hội"], "2026-06-15"),
        ("CSV-2026:2", ["Trung tâm Phục vụ hành chính công"], "2026-09-30"),
    ]
    assert tasks[0]["extras"] == {"Sản phẩm": "Báo cáo"}


def test_yaml_plan_with_sections_and_unit_lists(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ke-hoach.yaml"
    path.write_text(YAML, encoding="utf-8")
    summary = run_cli(capsys, "import", str(path), "--json").json()
    assert summary["plan"]["code"] == "12-KH-UBND-2026"
    assert summary["plan"]["date"] == "2026-03-01"
    [task] = run_cli(capsys, "tasks", "--json").json()
    assert task["key"] == "12-KH-UBND-2026:I.1"
    assert task["section_title"] == "CÔNG TÁC CHUNG"
    assert task["coordinating_units"] == ["Phòng Kinh tế", "Ủy ban MTTQ Việt Nam xã"]
    assert (task["deadline"]["start"], task["deadline"]["due"]) == ("2026-04-01", "2026-06-30")
    assert task["extras"] == {"product": "Biên bản"}


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, expected: str) -> None:
        path = tmp_path / name
        path.write_bytes(data)
        files[name] = (path, expected)

    put("empty.txt", b"", "tệp rỗng")
    put("blank.txt", b"  \n\n", "tệp rỗng")
    put("binary.docx", bytes(range(256)) * 4, "không phải tệp .docx hợp lệ")
    put("binary.txt", b"\x00\x01\x02plan", "tệp nhị phân")
    put("latin1.txt", "Kế hoạch".encode("cp1258", errors="replace") + b"\xff\xfe", "không phải văn bản UTF-8")
    put("no-table.txt", "KẾ HOẠCH\n\nMột đoạn văn không có bảng.\n".encode(), "không tìm thấy bảng danh mục")
    put(
        "no-lead.txt",
        "TT\tNhiệm vụ\tThời gian thực hiện\n1\tViệc A\tNăm 2026\n".encode(),
        "thiếu cột «Cơ quan chủ trì»",
    )
    put("header-only.txt", "TT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n".encode(), "không có nhiệm vụ nào")
    put("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Excel cũ (.xls)")
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "hi")
    put("other.docx", archive.read_bytes(), "không phải văn bản Word")
    put("bad.yaml", b"tasks: [\n", "YAML không đọc được")
    return files


def test_bad_files_are_refused_by_name_with_exit_2_and_nothing_changes(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _tasks_after_import(capsys, SAMPLE)
    for name, (path, expected) in _bad_files(tmp_path).items():
        result = run_cli(capsys, "import", str(path))
        assert result.code == 2, name
        assert name in result.err and expected in result.err, (name, result.err)
    assert run_cli(capsys, "import", str(tmp_path / "missing.txt")).code == 2
    assert run_cli(capsys, "tasks", "--json").json() == before


def test_a_table_without_a_deadline_column_imports_unspecified_with_a_warning(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "no-deadline.txt"
    path.write_text("TT\tNội dung\tĐơn vị thực hiện\n1\tViệc A\tPhòng Kinh tế\n", encoding="utf-8")
    summary = run_cli(capsys, "import", str(path), "--json", "--year", "2026").json()
    assert any("không có cột thời gian" in p["message"] for p in summary["problems"])
    [task] = run_cli(capsys, "tasks", "--json").json()
    assert task["deadline"]["kind"] == "unspecified"


def test_rows_repeated_whole_are_kept_once_and_equal_numbers_with_other_text_both_kept(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    row = "1\tViệc A\tPhòng Kinh tế\t\tNăm 2026"
    path = tmp_path / "repeated.txt"
    path.write_text(
        f"TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\n{row}\nPHỤ LỤC\n"
        f"TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\n{row}\n1\tViệc B\tPhòng Kinh tế\t\tQuý I/2026\n",
        encoding="utf-8",
    )
    summary = run_cli(capsys, "import", str(path), "--json", "--plan", "R").json()
    assert [p["where"] for p in summary["problems"] if "lặp lại y hệt" in p["message"]] == ["dòng 5"]
    assert [t["key"] for t in run_cli(capsys, "tasks", "--json").json()] == ["R:1", "R:1#2"]


def test_impossible_and_unknown_deadlines_are_reported_by_row(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dates.txt"
    path.write_text(
        "TT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n1\tViệc A\tPhòng Kinh tế\tTrước ngày 31/02/2026\n"
        "2\tViệc B\tPhòng Kinh tế\tSớm nhất có thể\n",
        encoding="utf-8",
    )
    summary = run_cli(capsys, "import", str(path), "--json", "--year", "2026").json()
    assert [(p["where"], p["message"]) for p in summary["deadlines_not_understood"]] == [
        ("dòng 2 (mục 1)", "ngày không tồn tại: 31/02/2026"),
        ("dòng 3 (mục 2)", "không hiểu thời hạn «Sớm nhất có thể»"),
    ]
