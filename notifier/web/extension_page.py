"""The office's list of extension requests ("Đề nghị gia hạn"): those waiting, with approve and
reject for admins (a reason to reject), and the decided ones below."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from starlette.responses import HTMLResponse, Response

from notifier import actions
from notifier.actions.extensions import STATUS
from notifier.errors import InputError
from notifier.plans.editing import parse_day
from notifier.reports.extensions import extension_records
from notifier.schedule.models import RequestStatus
from notifier.web.context import WebContext
from notifier.web.visit import Visit, Visitor

Render = Callable[..., HTMLResponse]


class ExtensionPage:
    def __init__(self, context: WebContext, render: Render) -> None:
        self.context, self.render = context, render

    def page(self, visit: Visit) -> Response:
        return self._page(visit.visitor, None)

    def _page(self, visitor: Visitor, note: str | None, status: int = 200) -> Response:
        with Session(self.context.engine) as session:
            records = extension_records(session, include_decided=True)
        waiting = [r for r in records if r.status == RequestStatus.PENDING]
        decided = sorted((r for r in records if r.status != RequestStatus.PENDING), key=lambda r: r.id, reverse=True)
        leadership = self.context.policy.extensions.decided_by == "leadership"
        return self.render(
            "extensions.html.j2",
            visitor,
            status=status,
            waiting=waiting,
            decided=decided,
            statuses=STATUS,
            note=note,
            leadership=self.context.policy.leadership_unit if leadership else None,
        )

    def decide(self, visit: Visit) -> Response:
        visitor, number = visit.visitor, visit.path["request_id"]
        choice = {k: visit.text(k) for k in ("decision", "note", "date")}
        office = self.context.acting_as(visitor.user.username)
        approve = choice["decision"] == "approve"
        try:
            if choice["decision"] not in ("approve", "reject"):
                raise InputError(f"không có quyết định «{choice['decision']}»")
            due = parse_day(choice["date"]) if approve and choice["date"].strip() else None
            actions.extensions.decide_extension(office, number, approve=approve, note=choice["note"], due=due)
        except InputError as exc:
            return self._page(visitor, f"Không thực hiện được: {exc}", status=400)
        return self._page(visitor, f"Đề nghị số {number}: {'đã đồng ý' if approve else 'không đồng ý'}.")
