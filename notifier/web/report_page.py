"""The office's report page ("Báo cáo"): the periodic report for a chosen month, quarter, half or
year, with its charts, and the same report to download as .xlsx or .docx."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session
from starlette.responses import HTMLResponse, Response

from notifier.clock import vietnam_time
from notifier.errors import InputError
from notifier.plans.periods import parse_period
from notifier.plans.roster import plan_records
from notifier.reports import report_layout as layout
from notifier.reports.charts import report_bars, year_chart, year_months
from notifier.reports.media_types import DOCX, XLSX
from notifier.reports.periodic import (
    IN_PROGRESS,
    LATE,
    ON_TIME,
    OVERDUE,
    PeriodReport,
    judge,
    load_history,
    period_report,
)
from notifier.text import labels
from notifier.web.context import WebContext
from notifier.web.visit import Visit

Render = Callable[..., HTMLResponse]


def period_choices(today: date) -> list[tuple[str, str]]:
    """The periods of this year and last that have begun, newest first: what the office files."""
    codes = []
    for year in (today.year, today.year - 1):
        codes += [f"{year}-{m:02d}" for m in range(12, 0, -1)]
        codes += [f"{year}-Q{q}" for q in range(4, 0, -1)] + [f"{year}-H2", f"{year}-H1", str(year)]
    periods = [parse_period(code) for code in codes]
    begun = [p for p in periods if p.start <= today]
    begun.sort(key=lambda p: (p.start.year, p.end - p.start, p.start), reverse=True)
    return [(p.code, p.label) for p in begun]


class ReportPage:
    def __init__(self, context: WebContext, render: Render) -> None:
        self.context, self.render = context, render

    def _today(self) -> date:
        return vietnam_time(self.context.clock()).date()

    def _default_period(self) -> str:
        today = self._today()
        return f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    def page(self, visit: Visit) -> Response:
        visitor, period_code, plan_code = (
            visit.visitor,
            visit.choice("ky") or self._default_period(),
            visit.choice("ke_hoach"),
        )
        now = self.context.clock()
        try:
            with Session(self.context.engine) as session:
                history = load_history(session, plan_code=plan_code)
                plans = plan_records(session)
            report = judge(history, parse_period(period_code), now)
            months = year_months(history, report.period.start.year, now)
        except InputError as exc:
            return self.render("message.html.j2", visitor, status=400, title="Không lập được báo cáo", text=str(exc))
        return self.render(
            "report.html.j2",
            visitor,
            report=report,
            bars=report_bars(report),
            year=year_chart(months),
            months=months,
            periods=period_choices(self._today()),
            plans=plans,
            plan_code=plan_code,
            buckets=(ON_TIME, LATE, IN_PROGRESS, OVERDUE, "continuous", "no_deadline"),
            categories=labels.TASK_CATEGORY,
            sections=layout.SECTIONS,
            note=layout.item_note,
        )

    def download(self, visit: Visit) -> Response:
        period_code, plan_code, kind = (
            visit.choice("ky") or self._default_period(),
            visit.choice("ke_hoach"),
            visit.query.get("dinh_dang", "xlsx"),
        )
        visitor = visit.visitor
        try:
            if kind not in ("xlsx", "docx"):
                raise InputError(f"định dạng «{kind}» không có: chọn xlsx hoặc docx")
            with Session(self.context.engine) as session:
                report = period_report(session, parse_period(period_code), self.context.clock(), plan_code=plan_code)
        except InputError as exc:
            return self.render("message.html.j2", visitor, status=400, title="Không lập được báo cáo", text=str(exc))
        return _document(report, kind, self._today())


def _document(report: PeriodReport, kind: str, made_on: date) -> Response:
    # openpyxl and python-docx load when a document is made: the daemon serving pages need not hold them.
    from notifier.reports.report_document import report_document
    from notifier.reports.report_workbook import report_workbook

    data = report_workbook(report, made_on) if kind == "xlsx" else report_document(report, made_on)
    name = f"bao-cao-{report.period.code}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=XLSX if kind == "xlsx" else DOCX, headers=headers)
