"""Plans from any authority name units a commune's directory does not hold: the office sees each
with the closest known unit, adds units in one step, and a misspelling never makes a second unit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from tests.conftest import REAL_PLANS, SAMPLE

DONG_THAP = REAL_PLANS / "01_dongthap-617-cds-doanh-nghiep.txt"
PROVINCE = "config/examples/units-tinh.yaml"


def _plan(tmp_path: Path, rows: list[list[str]]) -> Path:
    lines = ["ỦY BAN NHÂN DÂN TỈNH", "Số: 7/KH-UBND", "ngày 05 tháng 01 năm 2026", "KẾ HOẠCH", "Việc của các sở", ""]
    lines += ["\t".join(["TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"])]
    lines += ["\t".join(row) for row in rows]
    path = tmp_path / "tinh.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _import(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> dict[str, Any]:
    result = run_cli(capsys, "import", str(path), "--json", *extra)
    assert result.code == 0, result.err
    report: dict[str, Any] = result.json()
    return report


def _leads(capsys: pytest.CaptureFixture[str]) -> dict[str, list[str]]:
    """Each task's lead units that are known units (names not recognised left out)."""
    tasks = run_cli(capsys, "tasks", "--json").json()
    return {t["number"]: [u for u in t["lead_units"] if u not in t["unresolved_units"]] for t in tasks}


def test_a_misspelt_unit_resolves_to_the_known_one(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFIER_UNITS_FILE", PROVINCE)
    plan = _plan(tmp_path, [["1", "Việc một", "Sở Sở Công thương", "Sở Tài chính", "Quý I"]])
    report = _import(capsys, plan, "--add-units")
    assert report["units_unresolved"] == {} and report["units_added"] == []
    assert _leads(capsys) == {"1": ["Sở Công Thương"]}


def test_unresolved_names_come_with_the_closest_known_unit(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(tmp_path, [["1", "Việc một", "Phòng Văn hóa và Thông tin", "Sở Ngoại vụ", "Quý I"]])
    report = _import(capsys, plan)
    assert report["units_suggested"] == {"Phòng Văn hóa và Thông tin": "Phòng Văn hóa - Xã hội"}
    assert set(report["units_unresolved"]) == {"Phòng Văn hóa và Thông tin", "Sở Ngoại vụ"}
    text = run_cli(capsys, "import", str(plan)).out
    assert "«Phòng Văn hóa và Thông tin»" in text and "gần giống «Phòng Văn hóa - Xã hội»" in text
    assert 'notifier units add "TÊN"' in text and "--add-units" in text


def test_units_add_creates_a_unit_that_a_later_sync_keeps(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(tmp_path, [["1", "Việc một", "Sở TC", "", "Quý I"], ["2", "Việc hai", "Sở Tài chính", "", "Quý II"]])
    _import(capsys, plan)
    assert _leads(capsys) == {"1": [], "2": []}
    added = run_cli(capsys, "units", "add", "Sở Tài chính", "--kind", "sở", "--alias", "Sở TC", "--json")
    assert added.code == 0, added.err
    assert added.json() == {"name": "Sở Tài chính", "kind": "sở", "aliases": ["Sở TC"], "mentions_resolved": 2}
    assert _leads(capsys) == {"1": ["Sở Tài chính"], "2": ["Sở Tài chính"]}
    _import(capsys, SAMPLE)  # another import syncs units.yaml, which does not list the new unit
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert units["Sở Tài chính"]["source"] == "office" and units["Phòng Kinh tế"]["source"] == "config"
    twice = run_cli(capsys, "units", "add", "SỞ TÀI CHÍNH")
    assert twice.code == 2 and "đã có đơn vị «Sở Tài chính»" in twice.err


def test_import_add_units_makes_each_unknown_name_a_unit_once_but_not_a_misspelling(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan(tmp_path, [
        ["1", "Việc một", "Sở Tài chính", "Sở Ngoại vụ; Phòng Kinh te", "Quý I"],
        ["2", "Việc hai", "Sở tài chính", "Công an tỉnh", "Quý II"],
    ])  # fmt: skip
    dry = _import(capsys, plan, "--add-units", "--dry-run")
    assert dry["units_added"] == ["Sở Tài chính", "Sở Ngoại vụ", "Công an tỉnh"]
    assert not [u for u in run_cli(capsys, "units", "--json").json() if u["source"] == "office"]
    report = _import(capsys, plan, "--add-units")
    assert report["units_added"] == ["Sở Tài chính", "Sở Ngoại vụ", "Công an tỉnh"]
    # "Phòng Kinh te" is the commune's Phòng Kinh tế misspelt: matched, not a second unit.
    assert report["units_unresolved"] == {}
    fidelity = {"tasks": 2, "deadlines_understood": 2, "unit_mentions": 5, "unit_mentions_resolved": 5}
    assert report["fidelity"] == fidelity
    tasks = {t["number"]: t for t in run_cli(capsys, "tasks", "--json").json()}
    assert tasks["1"]["coordinating_units"] == ["Sở Ngoại vụ", "Phòng Kinh tế"]
    assert tasks["2"]["lead_units"] == ["Sở Tài chính"]


def test_a_province_directory_resolves_a_provincial_plan(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commune = _import(capsys, DONG_THAP, "--dry-run")["fidelity"]
    monkeypatch.setenv("NOTIFIER_UNITS_FILE", PROVINCE)
    province = _import(capsys, DONG_THAP)["fidelity"]
    assert province["unit_mentions_resolved"] > commune["unit_mentions_resolved"]
    assert province["unit_mentions_resolved"] >= 0.8 * province["unit_mentions"], province


def test_the_report_ends_with_how_complete_the_import_is(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = run_cli(capsys, "import", str(SAMPLE)).out
    assert text.rstrip().splitlines()[-1].startswith("Độ đầy đủ: đọc 24 nhiệm vụ; hiểu thời hạn ")


def test_a_re_import_that_archives_most_of_a_plan_waits_for_yes(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(capsys, SAMPLE)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("2.1\t"))
    partial = tmp_path / "thieu-trang.txt"  # the document's pages after group 1 are missing
    partial.write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    before = run_cli(capsys, "tasks", "--json").json()
    refused = run_cli(capsys, "import", str(partial))
    assert refused.code == 2 and "--yes" in refused.err and "thieu-trang.txt" in refused.err
    assert run_cli(capsys, "tasks", "--json").json() == before
    assert _import(capsys, partial, "--dry-run")["confirm_needed"]
    confirmed = _import(capsys, partial, "--yes")
    assert len(confirmed["archived"]) > len(before) / 2
