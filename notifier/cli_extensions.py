"""`notifier extensions`: requests for more time (đề nghị gia hạn) the office records and decides."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier import actions
from notifier.actions.base import Office
from notifier.actions.extensions import STATUS
from notifier.clock import Clock
from notifier.plans.editing import parse_day
from notifier.reports.extensions import ExtensionRecord, extension_records
from notifier.settings import Settings
from notifier.text import labels


def add_extension_parsers(commands: Any) -> None:
    p = commands.add_parser("extensions", help="đề nghị gia hạn: danh sách, ghi nhận, đồng ý, không đồng ý")
    p.add_argument("--all", action="store_true", help="kể cả đề nghị đã quyết định")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=listing)
    sub = p.add_subparsers(dest="extensions_command", metavar="request | approve | reject")
    ask = sub.add_parser("request", help="ghi nhận một đề nghị gia hạn (đơn vị gửi văn phòng)")
    ask.add_argument("key", help="mã nhiệm vụ")
    ask.add_argument("date", help="ngày hạn mới đề nghị (vd. 15/12/2026)")
    ask.add_argument("--reason", required=True, help="lý do đơn vị nêu")
    ask.add_argument("--unit", help="đơn vị chủ trì đề nghị (mặc định: đơn vị chủ trì duy nhất)")
    ask.add_argument("--period", help="kỳ của nhiệm vụ định kỳ (2026-Q1, 2026-11)")
    ask.add_argument("--json", action="store_true")
    ask.set_defaults(handler=request)
    for name, words in (("approve", "đồng ý gia hạn"), ("reject", "không đồng ý (ghi lý do bằng --note)")):
        decide = sub.add_parser(name, help=words)
        decide.add_argument("id", type=int, help="số của đề nghị (xem: notifier extensions)")
        decide.add_argument("--note", default="", help="ý kiến, lý do")
        if name == "approve":
            decide.add_argument("--date", help="gia hạn đến ngày khác ngày đề nghị")
        decide.add_argument("--json", action="store_true")
        decide.set_defaults(handler=approve if name == "approve" else reject)


def listing(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    with Session(engine) as session:
        records = extension_records(session, include_decided=args.all)
    if args.json:
        print(json.dumps([r.json() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("Không có đề nghị gia hạn nào" + ("." if args.all else " đang chờ quyết định."))
    for r in records:
        print(_line(r))
    return 0


def _line(r: ExtensionRecord) -> str:
    old = f"{r.old_due:%d/%m/%Y}" if r.old_due else "—"
    decided = f" · {r.decided_by} {labels.vn_time(r.decided_at)}" if r.decided_at else ""
    note = f" · ý kiến: {r.decision_note}" if r.decision_note else ""
    return (
        f"Số {r.id} · {r.key} · {r.unit or 'đơn vị chủ trì'} xin gia hạn {old} → {r.requested_due:%d/%m/%Y}"
        f" · lý do: {r.reason or '—'} · {STATUS.get(r.status, r.status)}{decided}{note}"
    )


def _one(engine: Engine, request_id: int, as_json: bool) -> int:
    with Session(engine) as session:
        [found] = extension_records(session, include_decided=True, ids=[request_id])
    print(json.dumps(found.json(), ensure_ascii=False, indent=2) if as_json else _line(found))
    return 0


def request(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    office = Office.load(engine, settings, clock)
    number = actions.extensions.request_extension(
        office, args.key, parse_day(args.date), reason=args.reason, unit=args.unit, period=args.period
    )
    return _one(engine, number, args.json)


def approve(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    due = parse_day(args.date) if args.date else None
    actions.extensions.decide_extension(
        Office.load(engine, settings, clock), args.id, approve=True, note=args.note, due=due
    )
    return _one(engine, args.id, args.json)


def reject(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    actions.extensions.decide_extension(Office.load(engine, settings, clock), args.id, approve=False, note=args.note)
    return _one(engine, args.id, args.json)
