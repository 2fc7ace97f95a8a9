"""The office's pages: log in, overview, a task, a unit, the reminder log, problems, Excel exports,
and the admin's actions (mark done, confirm, reopen, set a date, issue a link code).

Anonymous visitors see only the login page. Viewers read; admins also act. Every form carries a
CSRF token bound to the session; every change is written to the audit trail.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlmodel import Session, col, func, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from notifier import actions
from notifier.accounts.models import User
from notifier.accounts.users import end_sessions, list_users
from notifier.actions.audit import audit
from notifier.actions.base import Office
from notifier.actions.explanations import STATUS as EXPLANATION_STATUS
from notifier.actions.extensions import STATUS as EXTENSION_STATUS
from notifier.clock import VIETNAM, vietnam_time, wall_time
from notifier.delivery.models import DeliveryStatus
from notifier.delivery.render import environment
from notifier.errors import InputError
from notifier.plans.catalogue import parse_column_names
from notifier.plans.editing import find_task, parse_day
from notifier.plans.identity import plan_of
from notifier.plans.models import Task, TaskStatus, TaskUnit
from notifier.plans.roster import plan_records
from notifier.reports.charts import unit_bars
from notifier.reports.explanations import explanation_records
from notifier.reports.extensions import extension_records
from notifier.reports.log import LogRecord, log_records
from notifier.reports.media_types import XLSX
from notifier.reports.units import unit_records
from notifier.schedule.models import Assignment, Digest, DigestStatus, Reminder
from notifier.units.directory import load_directory
from notifier.units.links import links_by_unit, unconfigured_error, unconfigured_links
from notifier.units.models import ChannelLink, LinkStatus, Unit
from notifier.web.auth import Sessions, authenticate
from notifier.web.context import WebContext
from notifier.web.extension_page import ExtensionPage
from notifier.web.report_page import ReportPage
from notifier.web.status import CATEGORIES, task_states
from notifier.web.task_view import unit_parts

if TYPE_CHECKING:
    from notifier.web.exports import Heading
from notifier.web.visit import Page, Visit, Visitor

COOKIE = "nv_session"
UPLOAD_KEEP_SECONDS = 24 * 3600  # an upload previewed but never applied
PRE_COOKIE = "nv_login"


@dataclass(frozen=True)
class _ImportChoice:
    """What the office chose on the upload form, carried from the preview to the apply step."""

    columns: str = ""
    add_units: bool = False
    confirmed: bool = False


def office_routes(context: WebContext, sessions: Sessions) -> list[Route]:
    pages = OfficePages(context, sessions)
    reports = ReportPage(context, pages.render)
    extensions = ExtensionPage(context, pages.render)
    return [
        Route("/dang-nhap", pages.login, methods=["GET", "POST"]),
        Route("/dang-xuat", pages.guard(pages.logout), methods=["POST"]),
        Route("/", pages.guard(pages.overview)),
        Route("/nhiem-vu/{key:path}/hanh-dong", pages.guard(pages.act, admin=True), methods=["POST"]),
        Route("/nhiem-vu/{key:path}", pages.guard(pages.task)),
        Route("/don-vi/{unit_id:int}/ma-lien-ket", pages.guard(pages.link_code, admin=True), methods=["POST"]),
        Route("/don-vi/{unit_id:int}/lien-ket", pages.guard(pages.link, admin=True), methods=["POST"]),
        Route("/don-vi/{unit_id:int}/gui-ngay", pages.guard(pages.send_now, admin=True), methods=["POST"]),
        Route("/ten-don-vi", pages.guard(pages.alias, admin=True), methods=["POST"]),
        Route("/tai-khoan", pages.guard(pages.users, admin=True), methods=["GET", "POST"]),
        Route("/don-vi/{unit_id:int}", pages.guard(pages.unit)),
        Route("/don-vi", pages.guard(pages.units)),
        Route("/nhat-ky", pages.guard(pages.log)),
        Route("/nhap-ke-hoach", pages.guard(pages.import_form, admin=True)),
        Route("/nhap-ke-hoach", pages.guard(pages.import_plan, admin=True), methods=["POST"]),
        Route("/van-de", pages.guard(pages.problems)),
        Route("/xuat/nhat-ky.xlsx", pages.guard(pages.export_log)),
        Route("/xuat/bao-cao.xlsx", pages.guard(pages.export_status)),
        Route("/bao-cao", pages.guard(reports.page)),
        Route("/bao-cao/tai-ve", pages.guard(reports.download)),
        Route("/gia-han", pages.guard(extensions.page)),
        Route("/gia-han/{request_id:int}", pages.guard(extensions.decide, admin=True), methods=["POST"]),
    ]


class OfficePages:
    def __init__(self, context: WebContext, sessions: Sessions) -> None:
        self.context, self.policy, self.sessions = context, context.policy, sessions

    # -- access -----------------------------------------------------------------------------

    @property
    def _max_upload_bytes(self) -> int:
        """The largest plan document the importer reads, and room for the form around it."""
        settings = self.context.settings
        return (settings.plan_max_document_mb if settings else 60) * 2**20 + 64 * 1024

    def guard(self, page: Page, *, admin: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """The page for a signed-in visitor (an admin, if ``admin``) whose form, if any, carries
        the session's CSRF token; the page runs in a worker thread (see ``web.visit``)."""

        async def guarded(request: Request) -> Response:
            visitor = await asyncio.to_thread(self._visitor, request)
            if visitor is None:
                return RedirectResponse(f"/dang-nhap?next={quote(request.url.path)}", status_code=303)
            fields: dict[str, Any] = {}
            if request.method == "POST":
                refused, fields = await self._posted(request, visitor)
                if refused is not None:
                    return refused
            if admin and not visitor.is_admin:
                return self.render(
                    "message.html.j2",
                    visitor,
                    status=403,
                    title="Không có quyền",
                    text="Tài khoản chỉ được xem, không được thay đổi.",
                )
            visit = Visit(visitor, request.method, dict(request.path_params), dict(request.query_params), fields)
            return await asyncio.to_thread(page, visit)

        return guarded

    async def _posted(self, request: Request, visitor: Visitor) -> tuple[Response | None, dict[str, Any]]:
        """A POST's fields, or why it is refused: too large (before a byte is read), or without the
        session's CSRF token."""
        size, most = request.headers.get("content-length", ""), self._max_upload_bytes
        if not size.isdigit() or int(size) > most:
            text = f"Tối đa {most // 2**20} MB (hoặc trình duyệt không cho biết cỡ tệp)."
            return self.render("message.html.j2", visitor, status=413, title="Tệp quá lớn", text=text), {}
        fields = dict(await request.form())
        if not self.sessions.csrf_ok(visitor.claim, str(fields.get("csrf") or "")):
            text = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại."
            return self.render("message.html.j2", visitor, status=403, title="Yêu cầu bị từ chối", text=text), {}
        return None, fields

    def _visitor(self, request: Request) -> Visitor | None:
        claim = self.sessions.read(request.cookies.get(COOKIE), self.context.clock())
        if claim is None:
            return None
        with Session(self.context.engine) as session:
            user = session.exec(select(User).where(User.username == claim.username)).first()
            if user is None or user.disabled or user.session_epoch != claim.epoch:
                return None  # disabled, logged out, or the password changed since the cookie was issued
            session.expunge(user)
        return Visitor(claim, user, self.sessions.csrf(claim))

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            token = secrets.token_urlsafe(16)
            page = self.render("login.html.j2", None, token=token, error=None)
            page.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", secure=self.context.secure)
            return page
        form = await request.form()
        if not secrets.compare_digest(str(form.get("csrf") or ""), request.cookies.get(PRE_COOKIE) or "-"):
            return self.render(
                "login.html.j2", None, status=403, token="", error="Phiên đăng nhập đã hết hạn, hãy tải lại trang."
            )
        client = request.client.host if request.client else "?"
        user = await asyncio.to_thread(
            self._authenticate, str(form.get("username") or ""), str(form.get("password") or ""), client
        )
        if user is None:
            token = request.cookies.get(PRE_COOKIE) or ""
            return self.render(
                "login.html.j2",
                None,
                status=401,
                token=token,
                error="Sai tên đăng nhập hoặc mật khẩu, hoặc đã thử quá nhiều lần (chờ 15 phút).",
            )
        target = str(request.query_params.get("next") or "/")
        response = RedirectResponse(
            target if target.startswith("/") and not target.startswith("//") else "/", status_code=303
        )
        response.set_cookie(
            COOKIE,
            self.sessions.issue(user[0], self.context.clock(), user[1]),
            httponly=True,
            samesite="lax",
            secure=self.context.secure,
            max_age=12 * 3600,
        )
        response.delete_cookie(PRE_COOKIE)
        return response

    def _authenticate(self, username: str, password: str, client: str) -> tuple[str, int] | None:
        with Session(self.context.engine) as session:
            user = authenticate(session, username, password, client, self.context.clock())
            if user is not None:
                audit(session, user.username, "login", f"từ {client}", self.context.clock())
            found = (user.username, user.session_epoch) if user else None
            session.commit()
            return found

    def logout(self, visit: Visit) -> Response:
        """Ends the session on the server too: a copied cookie opens nothing afterwards."""
        with Session(self.context.engine) as session:
            end_sessions(session, visit.visitor.user.username)
            audit(session, visit.visitor.user.username, "logout", "", self.context.clock())
            session.commit()
        response: Response = RedirectResponse("/dang-nhap", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # -- pages ------------------------------------------------------------------------------

    def overview(self, visit: Visit) -> Response:
        visitor, plan_code = visit.visitor, visit.choice("ke_hoach")
        today = vietnam_time(self.context.clock()).date()
        with Session(self.context.engine) as session:
            plans = plan_records(session)
            states = [s for s in task_states(session, self.policy.calendar, today) if plan_code in (None, s.plan)]
            units = {u.name: u.id for u in session.exec(select(Unit)).all()}
            upcoming = _waiting_digests(session)
        counts = {key: sum(s.category == key for s in states) for key in CATEGORIES}
        per_unit: dict[str, dict[str, int]] = {}
        for state in states:
            for unit in state.lead:
                per_unit.setdefault(unit, dict.fromkeys(CATEGORIES, 0))[state.category] += 1
        shown = ("done_on_time", "done_late", "in_progress", "due_soon", "overdue")
        return self.render(
            "overview.html.j2",
            visitor,
            bars=unit_bars(sorted(per_unit.items()), shown),
            states=states,
            counts=counts,
            categories=CATEGORIES,
            per_unit=sorted(per_unit.items()),
            unit_ids=units,
            today=today,
            upcoming=upcoming,
            plans=plans,
            plan_code=plan_code,
        )

    def units(self, visit: Visit) -> Response:
        """Every unit with its channels' health and how many tasks it leads or joins."""
        with Session(self.context.engine) as session:
            records = unit_records(session, load_directory(self.context.settings.units_file), self._configured())
            roles: dict[int, int] = dict(
                session.exec(
                    select(Assignment.unit_id, func.count(col(Assignment.id)))
                    .join(Task, col(Task.id) == Assignment.task_id)
                    .where(col(Assignment.active).is_(True), Task.status != TaskStatus.ARCHIVED)
                    .group_by(col(Assignment.unit_id))
                ).all()
            )
        units = [r for r in records if not r.is_group]
        return self.render("units.html.j2", visit.visitor, units=units, tasks=roles)

    def task(self, visit: Visit) -> Response:
        return self._task(visit.visitor, visit.path["key"], None)

    def _task(self, visitor: Visitor, key: str, note: str | None, status: int = 200) -> Response:
        today = vietnam_time(self.context.clock()).date()
        with Session(self.context.engine) as session:
            try:
                task = find_task(session, key)
            except InputError:
                return self.render("message.html.j2", visitor, status=404, title="Không có nhiệm vụ", text=key)
            state = next((s for s in task_states(session, self.policy.calendar, today) if s.task.id == task.id), None)
            refs = session.exec(
                select(TaskUnit).where(TaskUnit.task_id == task.id).order_by(col(TaskUnit.position))
            ).all()
            steps = session.exec(
                select(Reminder, Unit)
                .where(Reminder.task_id == task.id, Reminder.unit_id == Unit.id)
                .order_by(col(Reminder.id))
            ).all()
            parts = unit_parts(session, task)
            explanations = explanation_records(session, include_answered=True, task_key=task.key)
            extensions = extension_records(session, include_decided=True, task_key=task.key)
            session.expunge_all()
        # Read after the session closes: SQLite takes its lock per transaction, one at a time.
        history = log_records(self.context.engine, task_key=key)
        return self.render(
            "task.html.j2",
            visitor,
            status=status,
            task=task,
            state=state,
            refs=refs,
            steps=steps,
            parts=parts,
            history=history,
            note=note,
            explanations=explanations,
            statuses=EXPLANATION_STATUS,
            extensions=extensions,
            extension_statuses=EXTENSION_STATUS,
            today=today,
        )

    def act(self, visit: Visit) -> Response:
        visitor, key, action = visit.visitor, visit.path["key"], visit.text("action")
        fields = {name: visit.text(name) for name in ("date", "question", "unit")}
        try:
            text = self._apply(self._office(visitor), key, action, fields)
        except InputError as exc:
            return self._task(visitor, key, f"Không thực hiện được: {exc}", status=400)
        return self._task(visitor, key, text)

    def _apply(self, office: Office, key: str, action: str, fields: dict[str, str]) -> str:
        day = fields.get("date", "")
        if action == "explain":
            unit = fields.get("unit") or None
            number = actions.explanations.ask_explanation(office, key, unit=unit, question=fields.get("question", ""))
            return f"Đã gửi yêu cầu giải trình số {number}; đơn vị nhận qua kênh nhắc việc của mình."
        if action == "done":
            done = actions.tasks.mark_done(office, key)
            return "Đã đánh dấu hoàn thành." if done.status == "done" else "Đã ghi nhận."
        if action == "reopen":
            actions.tasks.reopen(office, key)
            return "Đã mở lại; nhắc việc tiếp tục."
        if action == "set_due":
            actions.tasks.set_due(office, key, parse_day(day))
            return f"Đã đặt hạn {day}."
        if action == "snooze":
            actions.tasks.snooze(office, key)
            return "Đã hoãn nhắc việc này đến ngày làm việc sau."
        raise InputError(f"không có thao tác «{action}»")

    def _office(self, visitor: Visitor) -> Office:
        """The context of an action taken on these pages, recorded in the audit under the visitor."""
        return self.context.acting_as(visitor.user.username)

    def unit(self, visit: Visit) -> Response:
        return self._unit(visit.visitor, visit.path["unit_id"], None, visit.choice("ke_hoach"))

    def _unit(self, visitor: Visitor, unit_id: int, note: str | None, plan_code: str | None = None) -> Response:
        today = vietnam_time(self.context.clock()).date()
        with Session(self.context.engine) as session:
            unit = session.get(Unit, unit_id)
            if unit is None:
                return self.render("message.html.j2", visitor, status=404, title="Không có đơn vị", text=str(unit_id))
            states = [
                s
                for s in task_states(session, self.policy.calendar, today)
                if unit.name in s.lead and plan_code in (None, s.plan)
            ]
            links = links_by_unit(session, self._configured()).get(unit_id, [])
            plans = plan_records(session)
            session.expunge_all()
        history = log_records(self.context.engine, unit=unit.name)
        return self.render(
            "unit.html.j2",
            visitor,
            unit=unit,
            states=states,
            links=links,
            history=history,
            note=note,
            plans=plans,
            plan_code=plan_code,
        )

    def link_code(self, visit: Visit) -> Response:
        unit_id = visit.path["unit_id"]
        code, _ = actions.links.issue_link_code(self._office(visit.visitor), self._unit_name(unit_id))
        text = (
            f"Mã liên kết: {code.code} — gửi «/dangky {code.code}» trong nhóm của đơn vị; "
            f"hết hạn {vietnam_time(code.expires_at):%H:%M %d/%m/%Y}."
        )
        return self._unit(visit.visitor, unit_id, text)

    def _unit_name(self, unit_id: int) -> str:
        with Session(self.context.engine) as session:
            return session.get_one(Unit, unit_id).name

    def import_form(self, visit: Visit) -> Response:
        return self.render(
            "import.html.j2",
            visit.visitor,
            report=None,
            upload=None,
            applied=False,
            error=None,
            columns="",
            add_units=False,
        )

    def import_plan(self, visit: Visit) -> Response:
        """Upload, then a dry run showing the difference; applying is a second, explicit step
        (with a confirmation when it would archive most of the plan)."""
        visitor = visit.visitor
        choice = _ImportChoice(
            columns=visit.text("columns").strip(),
            add_units=visit.text("add_units") == "1",
            confirmed=visit.text("yes") == "1",
        )
        upload = visit.upload("file")
        if upload is not None:
            path = self._store_upload(upload.file.read(), upload.filename or "ke-hoach")
            return self._import(visitor, path, choice, dry_run=True)
        stored = self._stored(visit.text("upload"))
        if stored is None:
            return self._import_error(visitor, "Hãy chọn tệp kế hoạch (.pdf, .docx, .doc, .odt, .xlsx, .txt, .csv).")
        return self._import(visitor, stored, choice, dry_run=False)

    def _import_error(self, visitor: Visitor, error: str, choice: _ImportChoice | None = None) -> Response:
        return self.render(
            "import.html.j2",
            visitor,
            status=400,
            report=None,
            upload=None,
            applied=False,
            error=error,
            columns=choice.columns if choice else "",
            add_units=choice.add_units if choice else False,
        )

    def _uploads(self) -> Path:
        folder: Path = self.context.settings.data_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _store_upload(self, data: bytes, name: str) -> Path:
        # real time: previews nobody applied are files on this machine; they go after a day
        oldest = wall_time().timestamp() - UPLOAD_KEEP_SECONDS
        for stale in self._uploads().iterdir():
            if stale.is_file() and stale.stat().st_mtime < oldest:
                stale.unlink(missing_ok=True)
        suffix = Path(name).suffix.lower()[:8] if Path(name).suffix else ".txt"
        path = self._uploads() / f"{secrets.token_urlsafe(12)}{suffix}"
        path.write_bytes(data)
        return path

    def _stored(self, upload: str) -> Path | None:
        """Only a file this server stored (a bare name in the uploads folder) can be applied."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16}\.[a-z0-9]{1,7}", upload):
            return None
        path = self._uploads() / upload
        return path if path.is_file() else None

    def _import(self, visitor: Visitor, path: Path, choice: _ImportChoice, *, dry_run: bool) -> Response:
        try:
            columns = parse_column_names(choice.columns) if choice.columns else None
            from notifier.plans.importer import ImportOptions  # the readers load for an import only

            options = ImportOptions(columns=columns, add_units=choice.add_units, confirmed=choice.confirmed)
            report = actions.plans.import_plan(self._office(visitor), path, options, dry_run=dry_run)
        except InputError as exc:
            message = str(exc).replace(str(path), "tệp tải lên").replace("--columns", "ô «Tên cột»")
            return self._import_error(visitor, message, choice)
        if not dry_run:
            path.unlink(missing_ok=True)  # applied: the database holds the plan now, the upload goes
        return self.render(
            "import.html.j2",
            visitor,
            report=report.summary() | {"file": "tệp tải lên", "fidelity_line": report.fidelity.line()},
            upload=path.name,
            applied=not dry_run,
            error=None,
            columns=choice.columns,
            add_units=choice.add_units,
            confirm_needed=(report.confirm_needed or "").replace("--yes", "ô xác nhận bên dưới"),
        )

    def link(self, visit: Visit) -> Response:
        visitor, unit_id = visit.visitor, visit.path["unit_id"]
        channel, target, do = visit.text("channel"), visit.text("target").strip(), visit.text("do")
        if channel not in ("telegram", "email", "zalo") or not target:
            return self._unit(visitor, unit_id, "Hãy chọn kênh và nhập mã nhóm hoặc địa chỉ.")
        office, name = self._office(visitor), self._unit_name(unit_id)
        if do == "remove":
            actions.links.unlink(office, name, channel, target)
            text = f"Đã bỏ liên kết {channel}: {target}."
        else:
            actions.links.link(office, name, [(channel, target.lower() if channel == "email" else target)])
            text = f"Đã liên kết {channel}: {target}."
        return self._unit(visitor, unit_id, text)

    def send_now(self, visit: Visit) -> Response:
        unit_id = visit.path["unit_id"]
        name = self._unit_name(unit_id)
        count = actions.tasks.send_now(self._office(visit.visitor), name)
        text = "Đơn vị không có nhiệm vụ nào đang mở."
        if count:
            text = f"Đã xếp {count} mục vào bản tin gửi {name}; bản tin đi ở lượt gửi kế tiếp (trong giờ hành chính)."
        return self._unit(visit.visitor, unit_id, text)

    def alias(self, visit: Visit) -> Response:
        visitor, written, canonical = visit.visitor, visit.text("written"), visit.text("canonical")
        try:
            target = actions.units.alias(self._office(visitor), written, canonical).name
        except InputError as exc:
            return self.render("message.html.j2", visitor, status=400, title="Không gán được", text=str(exc))
        return self._problems(visitor, note=f"Đã gán «{written}» → «{target}».")

    def users(self, visit: Visit) -> Response:
        note = None
        if visit.method == "POST":
            fields = (visit.text(name) for name in ("username", "role", "password"))
            try:
                account = actions.users.add_user(self._office(visit.visitor), *fields)
                note = f"Đã lưu tài khoản «{account.username}»."
            except InputError as exc:
                note = f"Không lưu được: {exc}"
        with Session(self.context.engine) as session:
            users = list_users(session)
            session.expunge_all()
        return self.render("users.html.j2", visit.visitor, users=users, note=note)

    def log(self, visit: Visit) -> Response:
        filters = dict(visit.query)
        records = self._filtered(filters)
        with Session(self.context.engine) as session:
            units = sorted(u.name for u in session.exec(select(Unit).where(col(Unit.is_group).is_(False))).all())
            plans = [p.code for p in plan_records(session)]
        return self.render("log.html.j2", visit.visitor, records=records, filters=filters, units=units, plans=plans)

    def _filtered(self, filters: dict[str, str]) -> list[LogRecord]:
        since, until = _day_start(filters.get("tu")), _day_start(filters.get("den"))
        records = log_records(self.context.engine, unit=filters.get("don_vi") or None, since=since)
        return [r for r in records if _log_filter(r, filters, until)]

    def problems(self, visit: Visit) -> Response:
        return self._problems(visit.visitor, None, visit.choice("ke_hoach"))

    def _problems(self, visitor: Visitor, note: str | None = None, plan_code: str | None = None) -> Response:
        with Session(self.context.engine) as session:
            plans = plan_records(session)
            broken = session.exec(
                select(ChannelLink, Unit).where(ChannelLink.status == LinkStatus.BROKEN, ChannelLink.unit_id == Unit.id)
            ).all()
            unconfigured = [
                (link, unit, unconfigured_error(link.channel))
                for link, unit in unconfigured_links(session, self._configured())
            ]
            unresolved = session.exec(
                select(TaskUnit, Task).where(
                    col(TaskUnit.unit_id).is_(None), TaskUnit.task_id == Task.id, Task.status != TaskStatus.ARCHIVED
                )
            ).all()
            not_understood = session.exec(
                select(Task).where(
                    col(Task.deadline_understood).is_(False),
                    col(Task.due_set_by_office).is_(False),
                    Task.status != TaskStatus.ARCHIVED,
                )
            ).all()
            session.expunge_all()
        failed = [
            r
            for r in log_records(self.context.engine, statuses=(DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN))
            if plan_code in (None, *r.plans)
        ]
        return self.render(
            "problems.html.j2",
            visitor,
            broken=broken,
            unconfigured=unconfigured,
            unresolved=[(ref, task) for ref, task in unresolved if plan_code in (None, plan_of(task.key))],
            not_understood=[task for task in not_understood if plan_code in (None, plan_of(task.key))],
            failed=failed,
            plans=plans,
            plan_code=plan_code,
            choices=self._unit_names(),
            note=note,
        )

    def _configured(self) -> frozenset[str]:
        return self.context.settings.configured_channels

    def _unit_names(self) -> list[str]:
        with Session(self.context.engine) as session:
            return sorted(u.name for u in session.exec(select(Unit).where(col(Unit.active).is_(True))).all())

    def export_log(self, visit: Visit) -> Response:
        from notifier.web.exports import log_workbook  # openpyxl: only when a workbook is made

        data = log_workbook(self._filtered(dict(visit.query)), self._heading("NHẬT KÝ NHẮC VIỆC"))
        return _download(data, "nhat-ky-nhac-viec.xlsx")

    def export_status(self, visit: Visit) -> Response:
        period = visit.choice("ky") or str(vietnam_time(self.context.clock()).year)
        data = self._status_book(period)
        if data is None:
            return self.render(
                "message.html.j2",
                visit.visitor,
                status=400,
                title="Kỳ báo cáo không hợp lệ",
                text="Viết kỳ như 2026 hoặc 2026-Q4.",
            )
        return _download(data, f"bao-cao-nhiem-vu-{period}.xlsx")

    def _status_book(self, period: str) -> bytes | None:
        today = vietnam_time(self.context.clock()).date()
        with Session(self.context.engine) as session:
            states = task_states(session, self.policy.calendar, today)
            session.expunge_all()
        heading = self._heading(f"BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ — KỲ {period}")
        from notifier.web.exports import status_workbook  # openpyxl: only when a workbook is made

        return status_workbook(states, log_records(self.context.engine), period, heading)

    def _heading(self, title: str) -> Heading:
        """The title block: the issuing body and the plans followed, and the day it is made."""
        with Session(self.context.engine) as session:
            plans = plan_records(session)
        issuers = list(dict.fromkeys(p.issuer for p in plans if p.issuer))
        lines = [issuer.upper() for issuer in issuers[:1]] + [f"Kế hoạch: {p.title} ({p.code})" for p in plans]
        from notifier.web.exports import Heading

        return Heading(title, tuple(lines), vietnam_time(self.context.clock()).date())

    # -- rendering --------------------------------------------------------------------------

    def render(self, name: str, visitor: Visitor | None, *, status: int = 200, **values: Any) -> HTMLResponse:
        template = environment(self.context.templates).get_template(f"web/{name}")
        values.setdefault("refused", status >= 400)  # a refusal's note shows as an error, in red
        html = template.render(visitor=visitor, quote=quote, **values)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _waiting_digests(session: Session) -> list[dict[str, Any]]:
    """Digests still collecting items or due to go: whom, when (Vietnam time), how many items."""
    rows = session.exec(
        select(Digest, Unit)
        .where(Digest.status == DigestStatus.OPEN, Digest.unit_id == Unit.id)
        .order_by(col(Digest.send_at))
    ).all()
    counts = dict(
        session.exec(
            select(Reminder.digest_id, func.count(col(Reminder.id)))
            .where(col(Reminder.digest_id).in_([d.id for d, _ in rows]))
            .group_by(col(Reminder.digest_id))
        ).all()
    )
    return [
        {
            "unit": unit.name,
            "when": f"{vietnam_time(d.send_at):%H:%M %d/%m/%Y}",
            "items": counts.get(d.id, 0),
            "kind": d.kind,
        }
        for d, unit in rows
    ]


def _day_start(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(parse_day(text), time(0), tzinfo=VIETNAM)
    except InputError:
        return None


def _download(data: bytes, name: str) -> Response:
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _log_filter(r: LogRecord, filters: dict[str, str], until: datetime | None) -> bool:
    """The log page's filters: channel, status, acknowledged or not, to a day, plan."""
    if filters.get("kenh") and r.channel != filters["kenh"]:
        return False
    if filters.get("trang_thai") and r.status != filters["trang_thai"]:
        return False
    if filters.get("xac_nhan") in ("co", "khong") and r.acked != (filters["xac_nhan"] == "co"):
        return False
    if until is not None and r.created_at >= until + timedelta(days=1):
        return False
    return not (filters.get("ke_hoach") and filters["ke_hoach"] not in r.plans)
