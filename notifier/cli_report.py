"""`notifier report --period 2026-Q4`: the periodic report the office files upward, on the terminal,
as JSON, or as the .xlsx / .docx the office prints and signs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.cli_parsers import FORMATS
from notifier.clock import Clock, vietnam_time
from notifier.errors import InputError
from notifier.plans.periods import parse_period
from notifier.reports import report_layout as layout
from notifier.reports.periodic import PeriodReport, period_report
from notifier.reports.report_document import report_document
from notifier.reports.report_workbook import report_workbook
from notifier.settings import Settings


def report(args: argparse.Namespace, settings: Settings, engine: Engine, clock: Clock) -> int:
    period = parse_period(args.period)
    chosen = _format("json" if args.json else args.format, args.out)
    with Session(engine) as session:
        result = period_report(session, period, clock(), plan_code=args.plan_code)
    made_on = vietnam_time(clock()).date()
    if chosen == "text" and not args.out:
        print(text_report(result))
        return 0
    if chosen == "json" and not args.out:
        print(json.dumps(result.json(), ensure_ascii=False, indent=2))
        return 0
    body = _body(result, chosen, made_on)
    out = Path(args.out or f"bao-cao-{period.code}.{chosen}")
    try:
        out.write_bytes(body)
    except OSError as exc:
        raise InputError(f"không ghi được tệp «{out}»: {exc.strerror}") from exc
    print(f"Đã ghi báo cáo {period.label}: {out}")
    return 0


def _format(chosen: str | None, out: str | None) -> str:
    if chosen:
        return chosen
    suffix = Path(out).suffix.lower().lstrip(".") if out else ""
    if out and suffix not in FORMATS:
        raise InputError(f"--out «{out}»: không rõ định dạng; dùng đuôi .xlsx, .docx, .json hoặc ghi --format")
    return suffix or "text"


def _body(result: PeriodReport, chosen: str, made_on: Any) -> bytes:
    if chosen == "xlsx":
        return report_workbook(result, made_on)
    if chosen == "docx":
        return report_document(result, made_on)
    if chosen == "json":
        return json.dumps(result.json(), ensure_ascii=False, indent=2).encode()
    return text_report(result).encode()


def text_report(result: PeriodReport) -> str:
    lines = [f"{layout.TITLE} — {result.period.label} (tính đến hết ngày {result.as_of:%d/%m/%Y})"]
    lines.append(
        "Đơn vị chủ trì: đúng hạn / quá hạn (đã xong) / trong hạn / quá hạn chưa xong · thường xuyên · chưa có hạn"
    )
    for counts in [*result.units, result.totals]:
        rate = f" · đúng hạn {counts.on_time_rate:g}%" if counts.on_time_rate is not None else ""
        lines.append(
            f"  {counts.unit}: {counts.done_on_time} / {counts.done_late} / {counts.in_progress} / {counts.overdue}"
            f" · {counts.continuous} · {counts.no_deadline}{rate}"
        )
    for bucket, title in layout.SECTIONS[:2]:
        for item in result.of(bucket):
            said = f" · giải trình ({item.explanation_on:%d/%m/%Y}): {item.explanation}" if item.explanation else ""
            lines.append(
                f"{title}: {item.unit} · {item.number} {item.title} · hạn {item.due:%d/%m/%Y} · {item.days_late} ngày"
                + said
            )
    return "\n".join(lines)
