"""Hostile and broken plan files: every one is imported or refused with a message naming the file,
exit 2 and no change, within a time budget: never a traceback, a hang or an exhausted machine.

Seeded mutations of real plans in every format (truncated, bytes flipped, chunks repeated, the wrong
extension) and crafted attacks (a zip bomb, XML nested deeply or expanding entities, a merged range
to the sheet's last cell, gridSpan=50000000, YAML aliases, a CSV field over the csv module's limit,
years out of range, a text file over the size limit)."""

from __future__ import annotations

import random
import re
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from notifier.plans.models import ImportRun, Task, TaskUnit
from tests.cli_runner import Result, run_cli
from tests.conftest import REAL_PLANS, SAMPLE
from tests.plan_builders import build_docx, build_xlsx

SEED = 20261130
MUTATIONS = 160
BUDGET_SECONDS = 10.0


def _rewrite(source: Path, target: Path, part: str, change: object) -> Path:
    """A copy of an Office file with one part's XML changed by ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item, change(data) if item.filename == part else data)  # type: ignore[operator]
    return target


def _crafted(folder: Path, docx: Path, xlsx: Path) -> list[Path]:
    def put(name: str, data: bytes) -> Path:
        (folder / name).write_bytes(data)
        return folder / name

    laughs = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    files = [
        put("laughs.yaml", ("plan: {}\n" + laughs + "tasks: [*i]\n").encode()),
        put("recursive.yaml", b"tasks: &t [*t]\n"),
        put(
            "long-field.csv",
            ("TT;Nhiệm vụ;Đơn vị chủ trì;Thời hạn\n1;" + "x" * 200_000 + ";Phòng Kinh tế;Quý IV\n").encode(),
        ),
        put("too-big.txt", b"TT\tNhiem vu\tCo quan chu tri\tThoi han\n" * 300_000),
        put(
            "years.txt",
            "TT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n1\tViệc\tPhòng Kinh tế\tNăm 99999999999999999999\n"
            "2\tViệc\tPhòng Kinh tế\tQuý IV/-5\n3\tViệc\tPhòng Kinh tế\tTrước ngày 31/12/0\n".encode(),
        ),
        put("nul.csv", b"TT;Nhiem vu\n1;\x00\x00\n"),
    ]
    bomb = folder / "bomb.docx"
    files.append(
        _rewrite(
            docx, bomb, "word/document.xml", lambda d: d.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * 12_000_000)
        )
    )
    deep = b"<w:p>" * 200_000 + b"</w:p>" * 200_000
    files.append(
        _rewrite(docx, folder / "deep.docx", "word/document.xml", lambda d: d.replace(b"<w:body>", b"<w:body>" + deep))
    )
    entities = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "' + b"&a;" * 10 + b'">]>'
    files.append(
        _rewrite(
            docx,
            folder / "entities.docx",
            "word/document.xml",
            lambda d: entities + d.split(b"?>", 1)[1].replace(b"<w:t>", b"<w:t>&b;", 1),
        )
    )
    files.append(
        _rewrite(
            docx,
            folder / "span.docx",
            "word/document.xml",
            lambda d: d.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="50000000"/>', 1),
        )
    )
    files.append(
        _rewrite(
            xlsx,
            folder / "merged.xlsx",
            "xl/worksheets/sheet1.xml",
            lambda d: (
                re.sub(rb"<mergeCells[^>]*>", b'\\g<0><mergeCell ref="A1:XFD1048576"/>', d, count=1)
                if b"<mergeCells" in d
                else d.replace(
                    b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
                )
            ),
        )
    )
    return files


def _mutations(folder: Path, sources: list[Path], rng: random.Random) -> list[Path]:
    out = []
    for n in range(MUTATIONS):
        source = rng.choice(sources)
        data = bytearray(source.read_bytes())
        kind = rng.choice(["truncate", "flip", "repeat", "extension", "garbage"])
        if kind == "truncate":
            data = data[: rng.randrange(1, len(data))]
        elif kind == "flip":
            for _ in range(rng.randint(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == "repeat":
            start = rng.randrange(len(data))
            data[start:start] = data[start : start + rng.randint(1, 4096)] * rng.randint(2, 50)
        elif kind == "garbage":
            data = bytearray(rng.randbytes(rng.randint(1, 20_000)))
        suffix = (
            rng.choice([".docx", ".xlsx", ".txt", ".csv", ".yaml"])
            if kind in ("extension", "garbage")
            else source.suffix
        )
        path = folder / f"m{n:03d}-{kind}{suffix}"
        path.write_bytes(bytes(data))
        out.append(path)
    return out


def _state(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Task)).one(),
            session.exec(select(func.count()).select_from(TaskUnit)).one(),
            session.exec(select(func.count()).select_from(ImportRun)).one(),
        )


def test_hostile_and_broken_plans_are_refused_cleanly_within_budget(
    workdir: Path, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the fuzz run reads files; one database is enough")
    folder = tmp_path / "fuzz"
    folder.mkdir()
    docx, xlsx = build_docx(folder / "base.docx"), build_xlsx(folder / "base.xlsx")
    csv_plan = folder / "base.csv"
    csv_plan.write_text("TT;Nhiệm vụ;Đơn vị chủ trì;Thời hạn\n1;Báo cáo;Phòng Kinh tế;Quý IV/2026\n", "utf-8")
    yaml_plan = folder / "base.yaml"
    yaml_plan.write_text(
        "tasks:\n  - number: '1'\n    title: Việc\n    lead: Phòng Kinh tế\n    deadline: Quý IV/2026\n", "utf-8"
    )
    sources = [SAMPLE, docx, xlsx, csv_plan, yaml_plan, *sorted(REAL_PLANS.glob("*.txt"))[:1]]
    inputs = _crafted(folder, docx, xlsx) + _mutations(folder, sources, random.Random(SEED))
    assert run_cli(capsys, "import", str(SAMPLE)).code == 0
    outcome: Counter[str] = Counter()
    problems = []
    for path in inputs:
        before = _state(engine)
        started = time.monotonic()
        try:
            result = run_cli(capsys, "import", str(path), "--plan", "FUZZ")
        except Exception as exc:  # a traceback where a message belongs
            result = Result(1, "", f"{type(exc).__name__}: {exc}")
        took = time.monotonic() - started
        if took > BUDGET_SECONDS:
            outcome["over budget"] += 1
            problems.append(f"{path.name}: {took:.1f} s")
        if result.code == 0:
            outcome["imported"] += 1
        elif result.code == 2 and result.err.startswith("Lỗi: ") and path.name in result.err:
            outcome["clean refusals"] += 1
            if _state(engine) != before:
                problems.append(f"{path.name}: refused but changed the database")
        else:
            outcome["crashes"] += 1
            problems.append(f"{path.name}: exit {result.code}: {result.err[-300:]}")
    print(
        f"\nfuzz: {len(inputs)} inputs, {outcome['clean refusals']} clean refusals, {outcome['imported']} imported, "
        f"{outcome['crashes']} crashes, {outcome['over budget']} over budget"
    )
    assert problems == []
    assert outcome["crashes"] == 0 and outcome["over budget"] == 0
    assert outcome["clean refusals"] >= len(inputs) // 3  # most mutations break a file beyond use
