"""The operator's command line. Commands and JSON fields are a contract: add, never rename."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.db.engine import open_database
from notifier.errors import NotifierError
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.editing import parse_day, set_due
from notifier.plans.importer import import_plan
from notifier.plans.queries import task_records
from notifier.plans.report import KIND_LABELS, render_report
from notifier.settings import Settings, load_settings
from notifier.units.directory import load_directory
from notifier.units.queries import unit_records
from notifier.units.sync import add_alias, build_matcher, resolve_pending, sync_directory

SAMPLE_PLAN = "ke-hoach-dan-van-2026-thai-tan.txt"

Handler = Callable[[argparse.Namespace, Settings, Engine], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        engine = open_database(settings)
        handler: Handler = args.handler
        return handler(args, settings, engine)
    except NotifierError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exc.exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifier", description="Nhắc việc: kế hoạch thành lời nhắc cho từng đơn vị.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _import_parser(commands)
    _tasks_parser(commands)
    _units_parser(commands)
    demo = commands.add_parser("demo", help="nhập kế hoạch mẫu đi kèm và in báo cáo, danh sách nhiệm vụ")
    demo.set_defaults(handler=_demo)
    return parser


def _import_parser(commands: Any) -> None:
    p = commands.add_parser("import", help="nhập (hoặc nhập lại) một kế hoạch: .docx, .xlsx, .txt, .csv, .yaml")
    p.add_argument("path", type=Path)
    p.add_argument("--dry-run", action="store_true", help="chỉ in khác biệt, không ghi gì")
    p.add_argument("--plan", dest="plan_code", help="mã kế hoạch (mặc định: suy từ số hiệu, năm)")
    p.add_argument("--year", type=int, help="năm của kế hoạch khi văn bản không ghi")
    p.add_argument("--json", action="store_true", help="in báo cáo dạng JSON")
    p.set_defaults(handler=_import)


def _tasks_parser(commands: Any) -> None:
    p = commands.add_parser("tasks", help="danh sách nhiệm vụ; 'tasks set-due MÃ NGÀY' đặt hạn")
    p.add_argument("--plan", dest="plan_code")
    p.add_argument("--unit")
    p.add_argument("--all", action="store_true", help="kể cả nhiệm vụ đã lưu trữ")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_tasks)
    sub = p.add_subparsers(dest="tasks_command", metavar="set-due")
    due = sub.add_parser("set-due", help="đặt ngày hạn cho một nhiệm vụ")
    due.add_argument("key")
    due.add_argument("date")
    due.set_defaults(handler=_set_due)


def _units_parser(commands: Any) -> None:
    p = commands.add_parser("units", help="danh sách đơn vị; 'units alias TÊN TÊN-CHUẨN' gán tên")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_units)
    sub = p.add_subparsers(dest="units_command", metavar="alias")
    alias = sub.add_parser("alias", help="gán một tên viết trong kế hoạch cho một đơn vị hay nhóm")
    alias.add_argument("written")
    alias.add_argument("canonical")
    alias.set_defaults(handler=_alias)


def _import(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    report = import_plan(engine, settings, args.path, dry_run=args.dry_run, plan_code=args.plan_code, year=args.year)
    if args.json:
        _print_json(report.summary())
    else:
        print(render_report(report))
    return 0


def _tasks(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    with Session(engine) as session:
        records = task_records(session, plan_code=args.plan_code, unit=args.unit, include_archived=args.all)
    if args.json:
        _print_json(records)
    else:
        print(render_task_table(records))
    return 0


def _set_due(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    day = parse_day(args.date)
    with Session(engine) as session:
        task = set_due(session, args.key, day)
        session.commit()
        print(
            f"Đã đặt hạn {day:%d/%m/%Y} cho nhiệm vụ {task.key} (thời hạn ghi trong kế hoạch: «{task.deadline_text}»)"
        )
    return 0


def _units(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    directory = load_directory(settings.units_file)
    with Session(engine) as session:
        sync_directory(session, directory)
        session.commit()
        records = unit_records(session, directory)
    if args.json:
        _print_json(records)
        return 0
    for r in records:
        extra = f" — gồm: {', '.join(r['members']) or '(chưa có)'}" if r["is_group"] else ""
        print(f"{r['name']} [{r['kind']}]{extra}")
        if r["aliases"]:
            print(f"    còn viết: {'; '.join(r['aliases'])}")
    return 0


def _alias(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    directory = load_directory(settings.units_file)
    with Session(engine) as session:
        units = sync_directory(session, directory)
        target = add_alias(session, args.written, args.canonical).name
        resolved = resolve_pending(session, build_matcher(session, directory), units)
        session.commit()
    print(f"Đã gán «{args.written}» → «{target}»; {resolved} chỗ trong các nhiệm vụ đã được nhận ra.")
    return 0


def _demo(args: argparse.Namespace, settings: Settings, engine: Engine) -> int:
    with resources.as_file(resources.files("notifier.samples") / SAMPLE_PLAN) as sample:
        report = import_plan(engine, settings, sample)
    print(render_report(report))
    print()
    with Session(engine) as session:
        print(render_task_table(task_records(session, plan_code=report.plan_code)))
    return 0


def render_task_table(records: list[dict[str, Any]]) -> str:
    lines = [f"{'Mã':<24} {'Nhiệm vụ':<52} {'Chủ trì':<34} Thời hạn"]
    for r in records:
        deadline = r["deadline"]
        due = f" → {_vn_date(deadline['due'])}" if deadline["due"] else ""
        kind = KIND_LABELS[DeadlineKind(deadline["kind"])]
        lead = "; ".join(r["lead_units"]) or "(chưa rõ)"
        lines.append(
            f"{r['key']:<24} {_cut(r['title'], 52):<52} {_cut(lead, 34):<34} {deadline['text'] or '—'} [{kind}{due}]"
        )
    lines.append(f"({len(records)} nhiệm vụ)")
    return "\n".join(lines)


def _vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())
