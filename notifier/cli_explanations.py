"""`notifier explanations`: requests that a unit explain an overdue task (yêu cầu giải trình),
asked by the office or leadership, and the answers."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import Engine
from sqlmodel import Session

from notifier import actions
from notifier.actions.base import Office
from notifier.actions.explanations import STATUS
from notifier.clock import Clock
from notifier.reports.explanations import ExplanationRecord, explanation_records
from notifier.settings import Settings
from notifier.text import labels


def listing(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    with Session(engine) as session:
        records = explanation_records(session, include_answered=args.all)
    if args.json:
        print(json.dumps([r.json() for r in records], ensure_ascii=False, indent=2))
        return 0
    if not records:
        print("Không có yêu cầu giải trình nào" + ("." if args.all else " đang chờ."))
    for r in records:
        print(_line(r))
    return 0


def _line(r: ExplanationRecord) -> str:
    state = STATUS.get(r.status, r.status) + (" (đã báo lãnh đạo: quá hạn trả lời)" if r.escalated else "")
    answered = f" · {r.answered_by} {labels.vn_time(r.answered_at)}: {r.answer}" if r.answered_at else ""
    return (
        f"Số {r.id} · {r.key} · {r.unit} · hạn {labels.vn_date(r.due)} · yêu cầu: {r.asked_by}"
        f" {labels.vn_time(r.asked_at)} · trả lời trước hết {labels.vn_date(r.answer_by)} · {state}{answered}"
    )


def _one(engine: Engine, request_id: int, as_json: bool) -> int:
    with Session(engine) as session:
        [found] = explanation_records(session, include_answered=True, ids=[request_id])
    print(json.dumps(found.json(), ensure_ascii=False, indent=2) if as_json else _line(found))
    return 0


def ask_one(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    office = Office.load(engine, settings, clock)
    number = actions.explanations.ask_explanation(office, args.key, unit=args.unit, question=args.question)
    return _one(engine, number, args.json)


def answer_one(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    office = Office.load(engine, settings, clock)
    actions.explanations.answer_explanation(office, args.id, args.text, by=args.by)
    return _one(engine, args.id, args.json)
