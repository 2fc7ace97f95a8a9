"""The web app: the email acknowledgement page, the health route and the office's pages.

GET never changes anything (mail scanners and link previews follow links); the confirming POST
records who (the recipient's address), when, and from which network address — once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import uvicorn
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notifier.actions.answers import Person, confirm_by_link, first_ack
from notifier.actions.explanations import answer_in_chat
from notifier.actions.extensions import recorded_answer, refused_answer, request_from_digest
from notifier.channels.signed_links import BadLink, ExpiredLink
from notifier.clock import vietnam_time
from notifier.delivery.models import Ack, Delivery
from notifier.delivery.render import environment
from notifier.errors import InputError
from notifier.plans.editing import parse_day
from notifier.plans.models import Role
from notifier.reports.explanations import ExplanationRecord, explanation_records
from notifier.reports.log import daemon_record
from notifier.schedule.digest_view import digest_view
from notifier.schedule.models import Digest, ExplanationRequest
from notifier.web.context import WebContext
from notifier.web.metrics import metrics
from notifier.web.office import office_routes

log = logging.getLogger("notifier.web")


def create_app(context: WebContext) -> Starlette:
    async def ack_page(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()} if request.method == "POST" else {}
        return await asyncio.to_thread(_ack_page, context, request, form)

    async def healthz(request: Request) -> Response:
        return await asyncio.to_thread(_health, context)

    async def metrics_page(request: Request) -> Response:
        return await asyncio.to_thread(metrics, context)

    routes = [
        Route("/xac-nhan/{token}", ack_page, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/metrics", metrics_page),
    ]
    if context.sessions is not None:
        routes += office_routes(context, context.sessions)
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])


class SecurityHeaders:
    """Every answer: never framed by another site (clickjacking), never sniffed as another type."""

    HEADERS = (
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def _health(context: WebContext) -> Response:
    """For a load balancer or a monitor: 200 "ok" while the daemon beats and reports no problem
    (a bot's polling loop that ended, the web port); 503 and the reason otherwise. Served by
    `notifier run` and by `notifier web`, it tells of the daemon either way."""
    daemon = daemon_record(context.engine)
    if not daemon.alive:
        return PlainTextResponse("không hoạt động: dịch vụ nhắc việc không báo nhịp trong 3 phút", status_code=503)
    if daemon.problem:
        return PlainTextResponse(f"có sự cố: {daemon.problem}", status_code=503)
    return PlainTextResponse("ok")


def _ack_page(context: WebContext, request: Request, form: dict[str, str]) -> Response:
    token = request.path_params["token"]
    # Read, then act in the action's own transaction: SQLite takes one lock at a time.
    with Session(context.engine) as session:
        try:
            delivery = _delivery(session, context, token)
        except BadLink:
            log.warning("refused acknowledgement link %r from %s", token[:40], _client(request))
            return _page(context, "invalid", status=400)
        except ExpiredLink:
            return _page(context, "expired", status=410)
        digest = session.get_one(Digest, delivery.digest_id)
        view = digest_view(session, digest, context.calendar)
        ack: Ack | None = first_ack(session, digest, "received")
        explanation = _explanation(session, digest)
        session.expunge_all()
    state = "already" if ack is not None else "ask"
    asked = None
    if request.method == "POST" and form.get("ask") == "extension":
        asked = _ask_extension(context, delivery, form)
    elif request.method == "POST" and form.get("ask") == "explanation" and explanation is not None:
        asked = _explain(context, delivery, form.get("answer", ""))
        explanation = _reread(context, explanation.id)
    elif request.method == "POST":
        ack, first = confirm_by_link(context.office, delivery.id or 0, _client(request))
        state = "done" if first else "already"
    leads = [(n, item) for n, item in enumerate(view.items) if item.role == Role.LEAD and item.state != "check_in"]
    values = {"digest": view, "ack": ack, "token": token, "recipient": delivery.target, "leads": leads}
    return _page(context, state, asked=asked, explanation=explanation, **values)


def _explanation(session: Session, digest: Digest) -> ExplanationRecord | None:
    """The request for explanation an email carried, if it was one (its form is on this page)."""
    if digest.kind != "explain":
        return None
    query = select(ExplanationRequest.id).where(ExplanationRequest.question_digest_id == digest.id)
    ids = [i for i in session.exec(query).all() if i is not None]
    return next(iter(explanation_records(session, include_answered=True, ids=ids)), None)


def _reread(context: WebContext, request_id: int) -> ExplanationRecord:
    with Session(context.engine) as session:
        [found] = explanation_records(session, include_answered=True, ids=[request_id])
        return found


def _explain(context: WebContext, delivery: Delivery, text: str) -> tuple[bool, str]:
    """The form below a request for explanation: the answer, from the link's recipient."""
    person = Person(delivery.target, delivery.target)
    said = answer_in_chat(
        context.office, delivery.id or 0, text, person=person, external_id=f"link-explain:{delivery.id}"
    )
    said = said or "Chưa ghi nhận giải trình."
    return said.startswith("Đã ghi nhận"), said


def _ask_extension(context: WebContext, delivery: Delivery, form: dict[str, str]) -> tuple[bool, str]:
    """The form below an email digest: a request for more time on one of its items, signed by
    the link it came through (the recipient is who asks)."""
    try:
        if not form.get("item", "").isdigit():
            raise InputError("hãy chọn nhiệm vụ cần gia hạn")
        day = parse_day(form.get("date", ""))
        number, task = request_from_digest(
            context.office,
            delivery.id or 0,
            int(form["item"]),
            day,
            reason=form.get("reason", ""),
            via="email",
            by=delivery.target,
        )
    except InputError as exc:
        return False, refused_answer(exc)
    return True, recorded_answer(number, task, day, context.policy)


def _delivery(session: Session, context: WebContext, token: str) -> Delivery:
    if context.links is None:
        raise BadLink("no acknowledgement links without PUBLIC_BASE_URL")
    claim = context.links.claim(token)
    delivery = session.get(Delivery, claim.delivery_id)
    if delivery is None or delivery.channel != "email":
        raise BadLink("no such delivery")
    context.links.verify(token, delivery.target, context.clock())
    return delivery


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _page(context: WebContext, state: str, status: int = 200, **values: Any) -> HTMLResponse:
    template = environment(context.templates).get_template("web/ack.html.j2")
    ack = values.get("ack")
    when = f"{vietnam_time(ack.at):%H:%M %d/%m/%Y}" if ack is not None else ""
    html = template.render(state=state, when=when, **values)
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status, headers=headers)


class _QuietServer(uvicorn.Server):
    """uvicorn inside our own loop: the daemon, not uvicorn, owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def make_server(app: Starlette, host: str, port: int, *, own_signals: bool = False) -> uvicorn.Server:
    """``own_signals``: the server stands alone (`notifier web`) and stops on Ctrl-C itself."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config) if own_signals else _QuietServer(config)
