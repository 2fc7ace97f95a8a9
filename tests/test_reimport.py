"""A revised plan re-imported: tasks keep their identity, nothing is deleted, dry runs write nothing,
and a failed import leaves the database exactly as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier import actions
from notifier.actions.base import Office
from notifier.clock import Clock
from notifier.plans import importer
from notifier.plans.importer import ImportOptions
from notifier.plans.models import ImportRun, Task
from notifier.settings import Settings
from tests.cli_runner import run_cli
from tests.conftest import SAMPLE

KEY = "KH-dan-van-2026:"


def _revise(text: str) -> str:
    """The office's second version: one deadline changed, one task reworded, one moved, one new, one removed."""
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        if line.startswith("2.3\t"):
            line = line.replace("\tNăm 2026", "\tQuý III/2026")
        elif line.startswith("4.5\t"):
            line = line.replace("đông người, phức tạp", "đông người, phức tạp, kéo dài")
        elif line.startswith("4.9\t"):
            out.append(
                "4.9\tTổ chức hội nghị đối thoại với Nhân dân về cải cách hành chính\tVăn phòng HĐND và UBND xã\t"
                "Các phòng chuyên môn, đơn vị liên quan\tQuý II/2026"
            )
            line = "4.10" + line[3:]
        elif line.startswith("5.2\t"):
            continue
        out.append(line)
    return "\n".join(out)


def _tasks(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in run_cli(capsys, "tasks", "--json", *extra).json()}


@pytest.fixture
def revised(tmp_path: Path) -> Path:
    path = tmp_path / "ke-hoach-sua-doi.txt"
    path.write_text(_revise(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_reimporting_the_same_file_changes_nothing(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    before = _tasks(capsys)
    summary = run_cli(capsys, "import", str(SAMPLE), "--json").json()
    assert (summary["unchanged"], summary["added"], summary["changed"], summary["archived"]) == (24, [], [], [])
    assert _tasks(capsys) == before


def test_a_revised_plan_keeps_identities_and_archives_what_is_gone(
    workdir: Path, revised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    summary = run_cli(capsys, "import", str(revised), "--json").json()
    assert summary["added"] == [f"{KEY}4.9~2"]
    assert {c["key"]: c["fields"] for c in summary["changed"]} == {
        f"{KEY}2.3": ["thời hạn"],
        f"{KEY}4.5": ["nội dung"],
        f"{KEY}4.9": ["số thứ tự"],
    }
    assert summary["archived"] == [f"{KEY}5.2"]
    tasks = _tasks(capsys)
    assert tasks[f"{KEY}2.3"]["deadline"]["due"] == "2026-09-30"
    assert tasks[f"{KEY}4.9"]["number"] == "4.10"  # moved, same identity
    assert tasks[f"{KEY}4.9~2"]["number"] == "4.9"
    assert f"{KEY}5.2" not in tasks
    archived = _tasks(capsys, "--all")[f"{KEY}5.2"]
    assert archived["status"] == "archived"


def test_a_task_that_comes_back_is_restored_not_duplicated(
    workdir: Path, revised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    run_cli(capsys, "import", str(revised))
    summary = run_cli(capsys, "import", str(SAMPLE), "--json").json()
    assert summary["restored"] == [f"{KEY}5.2"]
    assert summary["archived"] == [f"{KEY}4.9~2"]
    assert len(_tasks(capsys)) == 24


def test_dry_run_prints_the_difference_and_writes_nothing(
    workdir: Path, revised: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    before = _tasks(capsys, "--all")
    result = run_cli(capsys, "import", str(revised), "--dry-run")
    assert result.code == 0
    assert "XEM TRƯỚC" in result.out and f"- {KEY}5.2" in result.out and f"+ {KEY}4.9~2" in result.out
    assert _tasks(capsys, "--all") == before
    with Session(engine) as session:
        assert len(session.exec(select(ImportRun)).all()) == 1


def test_a_failure_half_way_leaves_the_database_as_it_was(
    workdir: Path,
    revised: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    settings: Settings,
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    before = _tasks(capsys, "--all")
    calls = {"n": 0}
    real = importer._update_task

    def failing(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 20:  # after 19 tasks were updated in this transaction
            raise RuntimeError("disk full")
        real(*args, **kwargs)

    monkeypatch.setattr(importer, "_update_task", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        actions.plans.import_plan(Office.load(engine, settings, Clock()), revised, ImportOptions())
    assert calls["n"] == 20
    assert _tasks(capsys, "--all") == before


def test_office_due_date_survives_reimport_until_the_plan_changes_the_words(
    workdir: Path, revised: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    result = run_cli(capsys, "tasks", "set-due", f"{KEY}5.1", "30/6/2026")
    assert result.code == 0 and "30/06/2026" in result.out
    run_cli(capsys, "import", str(revised))
    task = _tasks(capsys)[f"{KEY}5.1"]
    assert task["deadline"] == {
        "text": "Theo công văn chỉ đạo các cấp",
        "kind": "once",
        "start": None,
        "due": "2026-06-30",
        "due_day": None,
        "understood": True,
        "set_by_office": True,
    }
    run_cli(capsys, "tasks", "set-due", f"{KEY}2.3", "2026-08-15")
    run_cli(capsys, "import", str(SAMPLE))  # 2.3 goes back to "Năm 2026": the plan's new words win
    assert _tasks(capsys)[f"{KEY}2.3"]["deadline"]["due"] == "2026-12-31"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tasks", "set-due", "KH-dan-van-2026:9.9", "1/1/2026"), "không có nhiệm vụ mã"),
        (("tasks", "set-due", "KH-dan-van-2026:4.7", "31/02/2026"), "ngày không tồn tại"),
        (("tasks", "set-due", "KH-dan-van-2026:4.7", "mai"), "không đọc được ngày"),
        (("tasks", "set-due", "KH-dan-van-2026:4.7", "1/9/2026"), "trước ngày bắt đầu"),
        (("units", "alias", "Sở Tài chính", "Phòng Không Có"), "không có đơn vị hay nhóm «Phòng Không Có»"),
        (("tasks", "--plan", "KHONG-CO"), "không có kế hoạch mã «KHONG-CO»"),
    ],
)
def test_bad_arguments_are_refused_with_exit_2(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    run_cli(capsys, "import", str(SAMPLE))
    before = _tasks(capsys, "--all")
    result = run_cli(capsys, *args)
    assert result.code == 2 and message in result.err
    assert _tasks(capsys, "--all") == before


def test_an_unresolved_name_is_mapped_later_with_units_alias(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    plan = tmp_path / "ke-hoach.txt"
    plan.write_text(
        "TT\tNhiệm vụ\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian\n"
        "1\tViệc A\tBộ phận Tiếp nhận và trả kết quả\tCông an xã\tNăm 2026\n",
        encoding="utf-8",
    )
    summary = run_cli(capsys, "import", str(plan), "--json", "--plan", "P").json()
    assert set(summary["units_unresolved"]) == {"Bộ phận Tiếp nhận và trả kết quả", "Công an xã"}
    [task] = run_cli(capsys, "tasks", "--json").json()
    assert task["lead_units"] == ["Bộ phận Tiếp nhận và trả kết quả"]
    assert task["unresolved_units"] == ["Bộ phận Tiếp nhận và trả kết quả", "Công an xã"]
    result = run_cli(capsys, "units", "alias", "Bộ phận Tiếp nhận và trả kết quả", "trung tâm phục vụ hành chính công")
    assert result.code == 0 and "Trung tâm Phục vụ hành chính công" in result.out and "1 chỗ" in result.out
    [task] = run_cli(capsys, "tasks", "--json").json()  # resolved at once, no re-import needed
    assert task["lead_units"] == ["Trung tâm Phục vụ hành chính công"]
    assert task["unresolved_units"] == ["Công an xã"]
    summary = run_cli(capsys, "import", str(plan), "--json", "--plan", "P").json()
    assert set(summary["units_unresolved"]) == {"Công an xã"} and summary["unchanged"] == 1
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert "Bộ phận Tiếp nhận và trả kết quả" in units["Trung tâm Phục vụ hành chính công"]["aliases"]
    with Session(engine) as session:
        assert session.exec(select(Task)).one().lead_text == "Bộ phận Tiếp nhận và trả kết quả"


def test_units_list_shows_kinds_aliases_and_groups(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    units = {u["name"]: u for u in run_cli(capsys, "units", "--json").json()}
    assert list(units)[:9] == [
        "Văn phòng HĐND và UBND xã",
        "Phòng Văn hóa - Xã hội",
        "Phòng Kinh tế",
        "Trung tâm Phục vụ hành chính công",
        "Trung tâm Dịch vụ sự nghiệp công",
        "Ủy ban MTTQ Việt Nam xã",
        "Ban Xây dựng Đảng",
        "Ủy ban Kiểm tra Đảng ủy",
        "Ủy ban Bầu cử xã",
    ]
    assert units["Phòng Kinh tế"]["kind"] == "phòng"
    assert "Các cơ quan, đơn vị" in units["Phòng Kinh tế"]["groups"]
    assert units["Các đơn vị sự nghiệp công lập"]["members"] == ["Trung tâm Dịch vụ sự nghiệp công"]
    assert units["Các thôn"]["is_group"] and units["Các thôn"]["members"] == []


def test_a_lead_unit_swapped_between_a_known_and_an_unknown_name_reimports(
    tmp_path: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "TT;Nhiệm vụ;Đơn vị chủ trì;Đơn vị phối hợp;Thời hạn\n"
    first, revised = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(header + "1;Việc A;Phòng Kinh tế;;Quý IV/2026\n2;Việc B;Sở Xây dựng;;Quý IV/2026\n", "utf-8")
    revised.write_text(header + "1;Việc A;Sở Xây dựng;;Quý IV/2026\n2;Việc B;Phòng Kinh tế;;Quý IV/2026\n", "utf-8")
    assert run_cli(capsys, "import", str(first), "--plan", "R").code == 0
    result = run_cli(capsys, "import", str(revised), "--plan", "R")
    assert result.code == 0, result.err
    leads = {t["key"]: t["lead_units"] for t in run_cli(capsys, "tasks", "--json").json()}
    assert leads == {"R:1": ["Sở Xây dựng"], "R:2": ["Phòng Kinh tế"]}
