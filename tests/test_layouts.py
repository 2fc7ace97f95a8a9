"""Catalogue layouts found in real plans, each as a class: what the importer must make of any plan
laid out that way, whatever its words. Plans here are text exports (tab-separated table rows); the
catalogue reading is the same for every format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli

FRONT = ["ỦY BAN NHÂN DÂN XÃ THÁI TÂN", "Số: 12/KH-UBND", "Thái Tân, ngày 05 tháng 01 năm 2026", "KẾ HOẠCH",
         "Thử các cách trình bày bảng", ""]  # fmt: skip
HEADER = ["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]
KT, VH, VP = "Phòng Kinh tế", "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã"


def _write(tmp_path: Path, lines: list[list[str] | str], name: str = "plan.txt") -> Path:
    path = tmp_path / name
    text = [line if isinstance(line, str) else "\t".join(line) for line in lines]
    path.write_text("\n".join([*FRONT, *text]) + "\n", encoding="utf-8")
    return path


def _import(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> list[dict[str, Any]]:
    result = run_cli(capsys, "import", str(path), "--json", *extra)
    assert result.code == 0, result.err
    tasks: list[dict[str, Any]] = run_cli(capsys, "tasks", "--json").json()
    return tasks


def _by_key(tasks: list[dict[str, Any]]) -> dict[str, tuple[str, list[str], str]]:
    return {t["key"].split(":", 1)[1]: (t["title"], t["lead_units"], t["deadline"]["text"]) for t in tasks}


def test_a_header_repeated_with_fewer_cells_never_remaps_the_rows_after_it(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, [
        HEADER,
        ["1", "Việc một", KT, VH, "Quý I"],
        HEADER[1:],  # repeated after a page break, the number's heading left empty and dropped
        ["2", "Việc hai", VH, KT, "Quý II"],
        "I. NHÓM THỨ HAI",
        HEADER[1:],  # and again under a group heading
        ["3", "Việc ba", VP, "", "Quý III"],
    ])  # fmt: skip
    tasks = _by_key(_import(capsys, plan))
    assert tasks == {
        "1": ("Việc một", [KT], "Quý I"),
        "2": ("Việc hai", [VH], "Quý II"),
        "I.3": ("Việc ba", [VP], "Quý III"),
    }


def test_a_catalogue_split_over_several_tables_carries_its_columns(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, [
        HEADER,
        ["1", "Việc một", KT, "", "Quý I"],
        "",
        "(tiếp theo)",
        ["2", "Việc hai", VH, "", "Quý II"],  # a second table without a header
        "",
        HEADER,  # a third one with the same header
        ["3", "Việc ba", VP, "", "Quý III"],
    ])  # fmt: skip
    assert _by_key(_import(capsys, plan)) == {
        "1": ("Việc một", [KT], "Quý I"),
        "2": ("Việc hai", [VH], "Quý II"),
        "3": ("Việc ba", [VP], "Quý III"),
    }


def test_three_numbering_levels_keep_every_group_apart(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, [
        HEADER,
        ["A", "NHIỆM VỤ CHUNG"],
        ["I", "Tuyên truyền"],
        ["1", "Nhóm một"],
        ["1.1", "Việc 1.1", KT, "", "Quý I"],
        ["II", "Kiểm tra"],
        ["1", "Việc II-1 (số đánh lại từ 1)", VH, "", "Quý II"],
        ["B", "NHIỆM VỤ RIÊNG"],
        ["I", "Tuyên truyền (số nhóm dùng lại)"],
        ["1", "Việc B-I-1", VP, "", "Quý III"],
        ["5", "Nhóm năm"],
        ["5.1", "Tiểu nhóm 5.1"],  # a sub-group: a number and a title only
        ["5.1.1", "Việc 5.1.1", KT, "", "Quý IV"],
        ["5.2", "Việc 5.2 thiếu đơn vị"],  # title only, nothing under it: a task that lacks its units
        ["2.9", "Việc 2.9", VH, "", "Quý I"],
        ["3", "Việc ba đứng riêng", VP, "", "Quý II"],
        ["4.1", "Việc 4.1", KT, "", "Quý III"],
    ])  # fmt: skip
    tasks = {t["key"].split(":", 1)[1]: t for t in _import(capsys, plan)}
    assert list(tasks) == ["A.I.1.1", "A.II.1", "B.I.1", "B.I.5.1.1", "B.I.5.2", "B.I.2.9", "B.I.3", "B.I.4.1"]
    assert tasks["B.I.5.1.1"]["section_title"] == "Tiểu nhóm 5.1"
    assert tasks["B.I.5.2"]["lead_units"] == [] and tasks["B.I.5.2"]["title"] == "Việc 5.2 thiếu đơn vị"
    assert tasks["B.I.3"]["section"] == "I" and tasks["B.I.4.1"]["lead_units"] == [KT]
    assert tasks["A.II.1"]["lead_units"] == [VH] and tasks["B.I.1"]["lead_units"] == [VP]


@pytest.mark.parametrize(
    "header",
    [
        ["STT", "Chỉ tiêu", "Đơn vị thực hiện", "Đơn vị phối hợp", "Thời hạn"],
        ["Số TT.", "Nội dung công việc", "Đơn vị chủ trì thực hiện", "Phối hợp", "Tiến độ"],
        ["TT", "TÊN ĐỀ ÁN/NHIỆM VỤ", "ĐƠN VỊ  CHỦ TRÌ", "ĐƠN VỊ PHỐI HỢP", "THỜI GIAN DỰ KIẾN HOÀN THÀNH"],
        ["tt", "hoạt động", "cơ quan   chủ trì", "cơ quan phối hợp", "thời gian"],
    ],
    ids=["chi-tieu", "noi-dung-cong-viec", "capitals", "lower-case"],
)
def test_header_names_beyond_the_usual_words_are_recognised(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], header: list[str]
) -> None:
    plan = _write(tmp_path, [header, ["1", "Việc một", KT, VH, "Quý I"], ["2", "Việc hai", VP, "", "Năm 2026"]])
    assert _by_key(_import(capsys, plan)) == {"1": ("Việc một", [KT], "Quý I"), "2": ("Việc hai", [VP], "Năm 2026")}


def test_columns_nobody_could_guess_are_named_by_hand(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _write(tmp_path, [["Mục", "Việc phải làm", "Ai làm", "Hạn chót"], ["1", "Việc một", KT, "Quý I"]])
    refused = run_cli(capsys, "import", str(plan))
    assert refused.code == 2 and "--columns" in refused.err
    assert run_cli(capsys, "tasks", "--json").json() == []
    bad = run_cli(capsys, "import", str(plan), "--columns", "Ai làm=người nào")
    assert bad.code == 2 and "«Ai làm=người nào»" in bad.err
    named = "Mục=tt,Việc phải làm=nhiệm vụ,Ai làm=chủ trì,Hạn chót=deadline"
    assert _by_key(_import(capsys, plan, "--columns", named)) == {"1": ("Việc một", [KT], "Quý I")}
