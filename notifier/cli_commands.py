"""What each command does (see ``cli.py`` for the parser): imported only when a command runs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from datetime import datetime, time
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier import actions
from notifier.accounts.users import list_users
from notifier.actions.base import Office
from notifier.clock import VIETNAM, Clock, vietnam_time
from notifier.db.backup import backup_sqlite
from notifier.db.sole_service import sole_service
from notifier.errors import InputError
from notifier.plans.deadlines import DeadlineKind
from notifier.plans.editing import parse_day
from notifier.plans.report import KIND_LABELS, render_report
from notifier.plans.roster import any_plan, plan_records
from notifier.reports.log import log_records, status_record
from notifier.reports.tasks import TaskRecord, task_records
from notifier.reports.units import unit_records
from notifier.schedule.calendar import WorkingCalendar
from notifier.schedule.policy import load_policy
from notifier.settings import Settings, parse_moment
from notifier.text import labels
from notifier.units.directory import load_directory
from notifier.units.lookup import find_unit
from notifier.units.sync import build_matcher

if TYPE_CHECKING:
    from notifier.runtime import PassResult, Runtime

SAMPLE_PLAN = "ke-hoach-dan-van-2026-thai-tan.txt"
NO_PLAN_YET = (
    "Chưa có kế hoạch nào: dịch vụ chạy nhưng chưa có gì để nhắc. Nhập kế hoạch bằng: notifier import TỆP "
    "(xem: notifier plans)"
)


def _plans(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    with Session(engine) as session:
        records = plan_records(session, include_removed=args.all)
    if args.json:
        _print_json([r.json() for r in records])
        return 0
    if not records:
        print("Chưa có kế hoạch nào (nhập bằng: notifier import TỆP)")
    for r in records:
        removed = " — ĐÃ GỠ" if r.removed_at else ""
        print(f"{r.code}: {r.title}{removed}")
        source = f"{r.file or '?'} ({labels.label(labels.FILE_FORMAT, r.format or '')})"
        print(f"    {r.tasks} nhiệm vụ, {r.archived_tasks} đã lưu trữ; nhập từ {source}")
    return 0


def _remove_plan(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    removed = actions.plans.remove_plan(_office(settings, engine, clock), args.code)
    if args.json:
        _print_json({"code": removed.code, "tasks_archived": removed.tasks_archived})
    else:
        print(
            f"Đã gỡ kế hoạch {removed.code}: {removed.tasks_archived} nhiệm vụ được lưu trữ, không nhắc thêm; "
            "nhật ký gửi và xác nhận giữ nguyên. Nhập lại tệp kế hoạch để khôi phục."
        )
    return 0


def _office(settings: Settings, engine: Engine, clock: Clock) -> Office:
    return Office.load(engine, settings, clock)


def _import(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    from notifier.plans.importer import ImportOptions  # the readers: only for the commands that read plans

    options = ImportOptions(args.plan_code, args.year, args.columns, args.add_units, args.yes)
    report = actions.plans.import_plan(_office(settings, engine, clock), args.path, options, dry_run=args.dry_run)
    if args.json:
        _print_json(report.summary())
    else:
        print(render_report(report))
    return 0


def _tasks(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    unit = _unit_named(settings, engine, args.unit) if args.unit else None
    with Session(engine) as session:
        records = task_records(session, plan_code=args.plan_code, unit=unit, include_archived=args.all)
    if args.json:
        _print_json([r.json() for r in records])
    else:
        print(render_task_table(records, unit))
    return 0


def _unit_named(settings: Settings, engine: Engine, written: str) -> str:
    """The unit or group a name means, as the office writes it: its name or any alias."""
    directory = load_directory(settings.units_file)
    with Session(engine) as session:
        return build_matcher(session, directory).resolve(written) or find_unit(session, written, groups=True).name


def _set_due(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    if args.clear == bool(args.date):
        raise InputError("tasks set-due: ghi NGÀY, hoặc --clear để bỏ ngày đã đặt (không cả hai)")
    office = _office(settings, engine, clock)
    if args.clear:
        task = actions.tasks.clear_due(office, args.key)
        message = f"Đã bỏ ngày hạn văn phòng đặt cho nhiệm vụ {task.key}; theo lại kế hoạch: «{task.deadline_text}»"
    else:
        day = parse_day(args.date)
        task = actions.tasks.set_due(office, args.key, day, confirmed=args.yes)
        words = f"thời hạn ghi trong kế hoạch: «{task.deadline_text}»"
        message = f"Đã đặt hạn {day:%d/%m/%Y} cho nhiệm vụ {task.key} ({words})"
    print(message)
    return 0


def _units(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    actions.units.sync_units(_office(settings, engine, clock))
    with Session(engine) as session:
        records = unit_records(session, load_directory(settings.units_file), settings.configured_channels)
    if args.json:
        _print_json([r.json() for r in records])
        return 0
    for r in records:
        extra = f" — gồm: {', '.join(r.members or []) or '(chưa có)'}" if r.is_group else ""
        print(f"{r.name} [{r.kind}]{extra}")
        if r.aliases:
            print(f"    còn viết: {'; '.join(r.aliases)}")
        for link in r.links:
            problem = f" — {link.error}" if link.error else ""
            state = link.status if link.configured else "chưa cấu hình kênh"
            print(f"    {link.channel}: {link.target} ({state}){problem}")
    return 0


def _alias(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    named = actions.units.alias(_office(settings, engine, clock), args.written, args.canonical)
    resolved = named.mentions_resolved
    print(f"Đã gán «{args.written}» → «{named.name}»; {resolved} chỗ trong các nhiệm vụ đã được nhận ra.")
    return 0


def _add_unit(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    named = actions.units.add_unit(_office(settings, engine, clock), args.name, args.kind, args.alias)
    name, kind, resolved = named.name, named.kind, named.mentions_resolved
    if args.json:
        _print_json({"name": name, "kind": kind, "aliases": args.alias, "mentions_resolved": resolved})
    else:
        print(f"Đã thêm đơn vị «{name}» ({kind}); {resolved} chỗ trong các nhiệm vụ nay trỏ tới đơn vị này.")
    return 0


def _demo(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    from notifier.plans.importer import ImportOptions
    from notifier.runtime import build_runtime, sync_all_tracks

    with resources.as_file(resources.files("notifier.samples") / SAMPLE_PLAN) as sample:
        report = actions.plans.import_plan(_office(settings, engine, clock), sample, ImportOptions())
    print(render_report(report))
    print()
    with Session(engine) as session:
        print(render_task_table(task_records(session, plan_code=report.plan_code)))
    runtime = build_runtime(settings, engine, clock)
    now = _demo_time(runtime, clock.now(), fixed=clock.fixed is not None)
    sync_all_tracks(runtime, now)
    print(f"\n=== Nhắc việc lúc {vietnam_time(now):%H:%M %d/%m/%Y} (giờ Việt Nam) ===")
    result = asyncio.run(_one_pass(runtime, now))
    if not result.sent:
        print("Không có bản tin mới lúc này: các bản tin đến hạn đã gửi trước đó (xem: notifier log).")
    return 0


def _demo_time(runtime: Runtime, now: datetime, *, fixed: bool) -> datetime:
    """Outside office hours nothing goes out; the demo then shows the next opening instead of nothing."""
    policy = runtime.policy
    opening = policy.calendar.send_slot(now, policy.send_time)
    if fixed or opening == now:
        return now
    print(f"\n(Bây giờ ngoài giờ gửi tin; chạy thử như lúc {vietnam_time(opening):%H:%M %d/%m/%Y}.)")
    return opening


async def _one_pass(runtime: Runtime, now: datetime) -> PassResult:
    from notifier.runtime import channels_open, run_pass

    async with channels_open(runtime):
        return await run_pass(runtime, now, poll=True)


def _run(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    with sole_service(engine):
        return _serve(args, settings, engine, clock)


def _serve(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    # The service's parts (channels, bots, scheduler, web) load only for the commands that run them.
    from notifier.daemon import Daemon
    from notifier.runtime import build_runtime, sync_all_tracks

    runtime = build_runtime(settings, engine, clock)
    with Session(engine) as session:
        if not any_plan(session):  # a service that would only idle says so, every start
            print(NO_PLAN_YET, file=sys.stderr, flush=True)
    if args.once:
        now = clock.now()
        sync_all_tracks(runtime, now)
        result = asyncio.run(_one_pass(runtime, now))
        print(
            f"Đã xử lý: {result.reminders} mục nhắc, {result.digests} bản tin, gửi {result.sent}"
            + (f", khôi phục {result.recovered} lượt gửi bị gián đoạn" if result.recovered else ""),
            file=sys.stderr,
        )
        return 0
    asyncio.run(Daemon(runtime, clock).run())
    return 0


def _due(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    from notifier.reports.due import due_preview

    at = parse_moment(args.at, "--at")
    assert at is not None
    digests = due_preview(engine, load_policy(settings.policy_file), at)
    if args.json:
        _print_json([d.json() for d in digests])
        return 0
    print(f"Lúc {vietnam_time(at):%H:%M %d/%m/%Y}: {len(digests)} bản tin")
    if not digests:
        for reason in _nothing_due_because(load_policy(settings.policy_file).calendar, at, args.at):
            print(f"  - {reason}")
    for d in digests:
        print(f"\n{d.view.unit} [{labels.label(labels.ROLE, d.view.output_role)}]")
        for i in d.view.items:
            state = labels.label(labels.ITEM_STATE, i.state) + _working_days(i.working_days)
            print(f"  - {i.number} {state}: {_cut(i.title, 70)}")
    return 0


def _working_days(days: int | None) -> str:
    """As the digests say it: "quá hạn 3 ngày làm việc", "sắp đến hạn, còn 2 ngày làm việc"."""
    if not days:
        return ""
    return f" {-days} ngày làm việc" if days < 0 else f", còn {days} ngày làm việc"


def _nothing_due_because(calendar: WorkingCalendar, at: datetime, written: str) -> list[str]:
    local, reasons = vietnam_time(at), []
    if ":" not in written:
        reasons.append(
            f"«{written}» không ghi giờ nên được hiểu là 00:00 ngày {local:%d/%m/%Y} "
            f"(ghi cả giờ, ví dụ {local:%Y-%m-%d}T08:00)"
        )
    if not calendar.is_working_day(local.date()):
        why = calendar.holiday_name(local.date()) or "cuối tuần"
        reasons.append(f"{local:%d/%m/%Y} là ngày nghỉ ({why}): không gửi nhắc việc")
    elif not calendar.in_office_hours(at):
        hours = f"{calendar.office_opens:%H:%M}–{calendar.office_closes:%H:%M}"
        reasons.append(f"{local:%H:%M} ngoài giờ làm việc ({hours}): nhắc việc chỉ gửi trong giờ làm việc")
    return reasons or ["lúc này không có việc nào đến lượt nhắc"]


def _log(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    since = datetime.combine(parse_day(args.since), time(0), tzinfo=VIETNAM) if args.since else None
    unit = _unit_named(settings, engine, args.unit) if args.unit else None
    records = log_records(engine, unit=unit, since=since)
    if args.json:
        _print_json([r.json() for r in records])
        return 0
    for r in records:
        acks = "; ".join(f"{a.by} {labels.label(labels.ACK_ACTION, a.action)}" for a in r.acks)
        channel, status = labels.label(labels.CHANNEL, r.channel), labels.label(labels.DELIVERY_STATUS, r.status)
        print(
            f"#{r.id} {r.unit} · {channel}: {r.target} · {status} · {labels.vn_time(r.sent_at) or '—'} · "
            f"{len(r.items)} mục · {acks or 'chưa xác nhận'}" + (f" · lỗi: {r.error}" if r.error else "")
        )
    return 0


def _done(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    done = actions.tasks.mark_done(_office(settings, engine, clock), args.key, unit=args.unit, period=args.period)
    key, status = done.key, done.status
    whole = "đã hoàn thành" if status == "done" else "đơn vị đã xong phần việc; chờ các đơn vị chủ trì khác"
    print(f"Nhiệm vụ {key}: {whole}. Không nhắc thêm.")
    return 0


def _reopen(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    key = actions.tasks.reopen(_office(settings, engine, clock), args.key).key
    print(f"Đã mở lại nhiệm vụ {key}; nhắc việc tiếp tục.")
    return 0


def _web(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    from notifier.runtime import build_runtime, web_context
    from notifier.web.app import create_app, make_server

    context = web_context(build_runtime(settings, engine, clock), office=True)
    assert context is not None
    host, port = args.host or settings.web_host, args.port or settings.web_port
    server = make_server(create_app(context), host, port, own_signals=True)
    shown = f"[{host}]" if ":" in host else host
    print(f"Trang web của văn phòng: http://{shown}:{port}/ (dừng bằng Ctrl+C)", flush=True)
    asyncio.run(server.serve())
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            raise InputError("hai lần nhập mật khẩu không khớp")
        return password
    return sys.stdin.readline().rstrip("\n")


def _list_users(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    with Session(engine) as session:
        records = [
            {"username": u.username, "role": u.role, "disabled": u.disabled, "created_at": u.created_at.isoformat()}
            for u in list_users(session)
        ]
    if args.json:
        _print_json(records)
        return 0
    for r in records:
        state = "đã khóa" if r["disabled"] else "đang dùng"
        role = "quản trị" if r["role"] == "admin" else "chỉ xem"
        print(f"{r['username']:<24} {role:<10} {state}")
    print(f"({len(records)} tài khoản)")
    return 0


def _disable_user(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    name = actions.users.disable_user(_office(settings, engine, clock), args.username).username
    print(f"Đã khóa tài khoản «{name}»: không đăng nhập được, các phiên đang mở đã kết thúc.")
    return 0


def _set_password(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    password = _read_password()
    name = actions.users.set_password(_office(settings, engine, clock), args.username, password).username
    print(f"Đã đặt mật khẩu mới cho «{name}»; các phiên đang mở đã kết thúc.")
    return 0


def _add_user(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    password = _read_password()
    account = actions.users.add_user(_office(settings, engine, clock), args.username, args.role, password)
    name, role = account.username, account.role
    print(f"Đã lưu tài khoản «{name}» ({role}).")
    return 0


def _backup(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    size = backup_sqlite(engine, args.file)
    print(f"Đã sao lưu cơ sở dữ liệu vào «{args.file}» ({size / 1024 / 1024:.1f} MB).")
    print("Khôi phục: dừng dịch vụ, chép tệp này đè lên tệp cơ sở dữ liệu, rồi chạy lại.")
    return 0


def _status(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    record = status_record(engine, clock.now(), settings.configured_channels)
    if args.json:
        _print_json(record.json())
        return 0
    daemon = record.daemon
    print(
        "Dịch vụ: "
        + ("đang chạy" if daemon.alive else "không chạy")
        + (f" (nhịp cuối {labels.vn_time(daemon.beat_at)})" if daemon.beat_at else "")
    )
    if daemon.problem:
        print(f"Sự cố: {daemon.problem}")
    sends = ", ".join(f"{labels.label(labels.DELIVERY_STATUS, k)} {v}" for k, v in record.deliveries.items())
    print(f"Lượt gửi: {sends or 'chưa có'}")
    print(f"Bản tin chờ gửi: {record.digests_waiting}")
    print(f"Bước nhắc kế tiếp: {labels.vn_time(record.next_step_at) or 'không còn'}")
    for link in record.failing_links:
        print(f"Kênh lỗi: {link}")
    return 0


def render_task_table(records: list[TaskRecord], unit: str | None = None) -> str:
    """The task list; for one unit, with its role in each task (chủ trì or phối hợp)."""
    role_head = f"{'Vai trò':<9} " if unit else ""
    lines = [f"{'Mã':<24} {role_head}{'Nhiệm vụ':<52} {'Chủ trì':<34} Thời hạn"]
    for r in records:
        deadline = r.deadline
        due = f" → {labels.vn_date(deadline.due)}" if deadline.due else ""
        kind = KIND_LABELS[DeadlineKind(deadline.kind)]
        lead = "; ".join(r.lead_units) or "(chưa rõ)"
        role = ""
        if unit:
            role = f"{'chủ trì' if unit in r.lead_units or unit in r.lead_groups else 'phối hợp':<9} "
        lines.append(
            f"{r.key:<24} {role}{_cut(r.title, 52):<52} {_cut(lead, 34):<34} {deadline.text or '—'} [{kind}{due}]"
        )
    lines.append(f"({len(records)} nhiệm vụ)")
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))
