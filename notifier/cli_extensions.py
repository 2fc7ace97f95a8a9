"""`notifier extensions`: requests for more time (đề nghị gia hạn) the office records and decides."""

from __future__ import annotations

import argparse
import json

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
