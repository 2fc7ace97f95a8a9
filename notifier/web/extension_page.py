"""The office's list of extension requests ("Đề nghị gia hạn"): those waiting, with approve and
reject for admins (a reason to reject), and the decided ones below."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from notifier import actions
from notifier.actions.base import Office
from notifier.actions.extensions import STATUS
from notifier.errors import InputError
from notifier.plans.editing import parse_day
from notifier.reports.extensions import extension_records
from notifier.schedule.models import RequestStatus
from notifier.web.context import WebContext

Render = Callable[..., HTMLResponse]


class ExtensionPage:
    def __init__(self, context: WebContext, render: Render) -> None:
        self.context, self.render = context, render

    async def page(self, request: Request, visitor: Any) -> Response:
        return await asyncio.to_thread(self._page, visitor, None)

    def _page(self, visitor: Any, note: str | None, status: int = 200) -> Response:
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

    async def decide(self, request: Request, visitor: Any) -> Response:
        form = await request.form()
        number = request.path_params["request_id"]
        choice = {k: str(form.get(k) or "") for k in ("decision", "note", "date")}
        return await asyncio.to_thread(self._decide, visitor, number, choice)

    def _decide(self, visitor: Any, number: int, choice: dict[str, str]) -> Response:
        office = Office(
            self.context.engine, self.context.settings, self.context.policy, self.context.clock, visitor.user.username
        )
        approve = choice["decision"] == "approve"
        try:
            if choice["decision"] not in ("approve", "reject"):
                raise InputError(f"không có quyết định «{choice['decision']}»")
            due = parse_day(choice["date"]) if approve and choice["date"].strip() else None
            actions.extensions.decide_extension(office, number, approve=approve, note=choice["note"], due=due)
        except InputError as exc:
            return self._page(visitor, f"Không thực hiện được: {exc}", status=400)
        return self._page(visitor, f"Đề nghị số {number}: {'đã đồng ý' if approve else 'không đồng ý'}.")
