"""The periodic report as a message: the figures its templates show (every channel) and the .xlsx
that goes with the email. Made when the digest is sent, judged on the digest's send time, so a
retry says the same thing and attaches the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from notifier.channels.base import Attachment
from notifier.clock import vietnam_time
from notifier.delivery.dispatch import DigestContent
from notifier.plans.periods import parse_period
from notifier.reports import report_layout as layout
from notifier.reports.charts import report_bars
from notifier.reports.media_types import XLSX
from notifier.reports.periodic import OVERDUE, period_report
from notifier.schedule.models import Digest
from notifier.text import labels

SHOWN_OVERDUE = 10  # the chat message names the longest-overdue ones; the file has them all


@dataclass(frozen=True)
class ReportMessages:
    public_base_url: str | None

    def content(self, session: Session, digest: Digest) -> DigestContent:
        if not digest.period:
            raise ValueError(f"report digest {digest.id} has no period")
        report = period_report(session, parse_period(digest.period), digest.send_at)
        made_on = vietnam_time(digest.send_at).date()
        page = f"{self.public_base_url.rstrip('/')}/bao-cao?ky={report.period.code}" if self.public_base_url else None
        values = {
            "report": report,
            "overdue": report.of(OVERDUE)[:SHOWN_OVERDUE],
            "overdue_count": len(report.of(OVERDUE)),
            "bars": report_bars(report),
            "categories": labels.TASK_CATEGORY,
            "report_page": page,
            "note": layout.item_note,
        }
        from notifier.reports.report_workbook import report_workbook  # openpyxl: only when a report is made

        name = f"bao-cao-{report.period.code}.xlsx"
        return DigestContent(values, (Attachment(name, XLSX, report_workbook(report, made_on)),))
