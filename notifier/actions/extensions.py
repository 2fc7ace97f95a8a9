"""Extension requests (đề nghị gia hạn): a unit asks for a later deadline on one occurrence of a
task, whoever decides approves or rejects it. Approving moves the occurrence's deadline (its
history records it as an extension, so reports judge on-time against it) and re-plans the
reminders; the request keeps who asked, why, who decided and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, func, select

from notifier.actions.answers import Person, answer_ack
from notifier.actions.audit import audit
from notifier.actions.base import Office, change, touched
from notifier.clock import vietnam_time
from notifier.delivery.models import Delivery
from notifier.errors import InputError
from notifier.plans.editing import find_task
from notifier.plans.models import Role, Task
from notifier.schedule import progress
from notifier.schedule.digest_view import digest_reminders
from notifier.schedule.digests import open_message
from notifier.schedule.history import event, record
from notifier.schedule.models import (
    Assignment,
    Digest,
    DigestStatus,
    ExtensionRequest,
    Occurrence,
    Reminder,
    RequestStatus,
    RoundStatus,
)
from notifier.schedule.planner import sync_tracks
from notifier.schedule.policy import Policy
from notifier.units.directory import load_directory
from notifier.units.lookup import find_unit
from notifier.units.models import Unit

STATUS = {"pending": "đang chờ quyết định", "approved": "đã đồng ý", "rejected": "không đồng ý"}


def request_extension(
    office: Office,
    key: str,
    new_due: date,
    *,
    reason: str,
    unit: str | None = None,
    period: str | None = None,
    via: str = "office",
    by: str | None = None,
) -> int:
    """Record a request; returns its number. Refused, naming why: no open round, no deadline yet,
    a date not later than the deadline, the cap reached, one already waiting, or (from a unit) a
    deadline already passed when the policy leaves late requests to the office."""
    with change(office, tracks=False) as session:
        task = find_task(session, key)
        occurrence = _open_occurrence(session, task, period)
        asking = _asking_unit(session, task, unit)
        return _new_request(session, office, task, occurrence, asking, new_due, reason, via, by)


def request_from_digest(
    office: Office, delivery_id: int, item: int | str | None, new_due: date, *, reason: str, via: str, by: str
) -> tuple[int, str]:
    """A request written in a chat on an item of a digest the caller has checked was sent there:
    ``item`` is its place (0-based, Zalo's codes), the task number it shows (Telegram), or None
    when the digest has one item the unit leads. Returns the request's number and the task's."""
    with change(office, tracks=False) as session:
        digest = session.get_one(Digest, session.get_one(Delivery, delivery_id).digest_id)
        reminder = _item(session, digest_reminders(session, digest), item)
        if reminder.role != Role.LEAD or reminder.occurrence_id is None:
            raise InputError("chỉ đơn vị chủ trì xin gia hạn nhiệm vụ")
        task = session.get_one(Task, reminder.task_id)
        occurrence = session.get_one(Occurrence, reminder.occurrence_id)
        if occurrence.status != RoundStatus.OPEN or occurrence.due is None:
            raise InputError(f"nhiệm vụ {task.number} không còn mở để gia hạn")
        unit = session.get_one(Unit, digest.unit_id)
        return _new_request(session, office, task, occurrence, unit, new_due, reason, via, by), task.number


def _item(session: Session, reminders: list[Reminder], item: int | str | None) -> Reminder:
    if isinstance(item, int):
        if not 0 <= item < len(reminders):
            raise InputError(f"bản tin không có mục số {item + 1}")
        return reminders[item]
    numbers = [session.get_one(Task, r.task_id).number for r in reminders]
    if item is None:
        leads = [r for r in reminders if r.role == Role.LEAD]
        if len(leads) != 1:
            raise InputError("hãy ghi số nhiệm vụ cần gia hạn, ví dụ «gia hạn 4.8 15/12/2026 lý do …»")
        return leads[0]
    if item not in numbers:
        raise InputError(f"bản tin không có nhiệm vụ {item}")
    return reminders[numbers.index(item)]


def _new_request(
    session: Session,
    office: Office,
    task: Task,
    occurrence: Occurrence,
    unit: Unit | None,
    new_due: date,
    reason: str,
    via: str,
    by: str | None,
) -> int:
    _check(session, office, occurrence, unit, new_due, via)
    request = ExtensionRequest(
        occurrence_id=occurrence.id or 0,
        task_id=task.id or 0,
        unit_id=unit.id if unit else None,
        old_due=occurrence.due,
        requested_due=new_due,
        reason=reason.strip(),
        requested_by=by or office.by or progress.OFFICE,
        requested_via=via,
        requested_at=office.clock(),
    )
    session.add(request)
    session.flush()
    request.decision_digest_id = _ask_leadership(session, office, request, office.clock())
    audit(session, office.by, "extension_request", f"#{request.id} {task.key} {new_due:%d/%m/%Y}", office.clock())
    return request.id or 0


def _open_occurrence(session: Session, task: Task, period: str | None) -> Occurrence:
    query = select(Occurrence).where(Occurrence.task_id == task.id, Occurrence.status == RoundStatus.OPEN)
    if period:
        query = query.where(Occurrence.period == period.strip())
    rows = sorted(session.exec(query).all(), key=lambda o: (o.due is None, o.due, o.id))
    if not rows:
        raise InputError(
            f"nhiệm vụ «{task.key}» không có lần thực hiện nào đang mở" + (f" kỳ «{period}»" if period else "")
        )
    if rows[0].due is None:
        raise InputError(f"nhiệm vụ «{task.key}» chưa có hạn để gia hạn (đặt hạn bằng: notifier tasks set-due)")
    return rows[0]


def lead_units(session: Session, task: Task) -> list[Unit]:
    """The units that lead ``task`` now."""
    query = (
        select(Unit)
        .where(Assignment.task_id == task.id, Assignment.unit_id == Unit.id)
        .where(Assignment.role == Role.LEAD, col(Assignment.active).is_(True))
    )
    return list(session.exec(query).all())


def _asking_unit(session: Session, task: Task, name: str | None) -> Unit | None:
    """The lead unit that asks: the one named, or the task's only lead unit."""
    leads = lead_units(session, task)
    if name is None:
        return leads[0] if len(leads) == 1 else None
    unit = find_unit(session, name)
    if unit not in leads:
        raise InputError(f"đơn vị «{unit.name}» không chủ trì nhiệm vụ «{task.key}»")
    return unit


def _check(
    session: Session, office: Office, occurrence: Occurrence, unit: Unit | None, new_due: date, via: str
) -> None:
    due = occurrence.due
    assert due is not None
    if new_due <= due:
        raise InputError(f"ngày đề nghị {new_due:%d/%m/%Y} phải sau hạn hiện tại {due:%d/%m/%Y}")
    today = vietnam_time(office.clock()).date()
    if via != "office" and today > due and not office.policy.extensions.units_after_due:
        raise InputError(f"nhiệm vụ đã quá hạn từ {due:%d/%m/%Y}: đề nghị gia hạn xin gửi qua văn phòng")
    approved = session.exec(
        select(func.count(col(ExtensionRequest.id))).where(
            ExtensionRequest.occurrence_id == occurrence.id, ExtensionRequest.status == RequestStatus.APPROVED
        )
    ).one()
    most = office.policy.extensions.max_per_occurrence
    if approved >= most:
        raise InputError(f"nhiệm vụ đã được gia hạn {approved} lần, tối đa {most} lần")
    waiting = session.exec(
        select(ExtensionRequest.id)
        .where(ExtensionRequest.occurrence_id == occurrence.id, ExtensionRequest.status == RequestStatus.PENDING)
        .where(ExtensionRequest.unit_id == (unit.id if unit else None))
    ).first()
    if waiting is not None:
        raise InputError(f"đã có đề nghị gia hạn số {waiting} đang chờ quyết định")


def decide_extension(
    office: Office, request_id: int, *, approve: bool, note: str = "", due: date | None = None
) -> None:
    """Approve (at the date asked, or ``due``) or reject (a reason is required) a waiting request."""
    with change(office, tracks=approve) as session:
        request = session.get(ExtensionRequest, request_id)
        if request is None:
            raise InputError(f"không có đề nghị gia hạn số {request_id} (xem: notifier extensions)")
        touched(session, request.task_id)
        _decide(session, office, request, approve=approve, note=note, due=due, by=office.by or progress.OFFICE)


def _decide(
    session: Session, office: Office, request: ExtensionRequest, *, approve: bool, note: str, due: date | None, by: str
) -> None:
    if request.status != RequestStatus.PENDING:
        raise InputError(
            f"đề nghị gia hạn số {request.id} đã được quyết định: {STATUS.get(request.status, request.status)}"
        )
    now = office.clock()
    if approve:
        request.approved_due = _extend(session, request, due or request.requested_due, now, by)
    elif not note.strip():
        raise InputError("không đồng ý gia hạn: ghi lý do để báo lại đơn vị (--note)")
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by, request.decided_at, request.decision_note = by, now, note.strip()
    request.notice_digest_id = _notice(session, office, request, now)
    _withdraw_question(session, request)
    session.add(request)
    audit(session, office.by, "extension_" + request.status, f"#{request.id}", now)


def _withdraw_question(session: Session, request: ExtensionRequest) -> None:
    """Decided before leadership's message went out (the office on its page): it is not sent."""
    digest = session.get(Digest, request.decision_digest_id) if request.decision_digest_id else None
    if digest is not None and digest.status == DigestStatus.OPEN:
        digest.status = DigestStatus.WITHDRAWN
        session.add(digest)


def _notice(session: Session, office: Office, request: ExtensionRequest, now: datetime) -> int | None:
    """The message that tells the unit: a digest of its own, sent at once in office hours (else at
    the next opening) to wherever the unit's reminders go."""
    if request.unit_id is None:
        return None
    unit = session.get_one(Unit, request.unit_id)
    key = f"{unit.id}:notice:extension:{request.id}"
    return open_message(session, office.policy, unit, key, role="unit", kind="notice", now=now)


def _ask_leadership(session: Session, office: Office, request: ExtensionRequest, now: datetime) -> int | None:
    """When the policy leaves decisions to leadership: a message to its chat with the buttons
    (Telegram) or codes (Zalo) that decide. The office's page can still decide."""
    name = office.policy.leadership_unit
    if office.policy.extensions.decided_by != "leadership" or name is None:
        return None
    leader = session.exec(select(Unit).where(Unit.name == name)).first()
    if leader is None:
        raise InputError(f"policy: leadership_unit «{name}» không có trong danh sách đơn vị")
    key = f"{leader.id}:decision:extension:{request.id}"
    return open_message(session, office.policy, leader, key, role=Role.LEADERSHIP, kind="decision", now=now)


def _extend(session: Session, request: ExtensionRequest, day: date, now: datetime, by: str) -> date:
    occurrence = session.get_one(Occurrence, request.occurrence_id)
    if occurrence.status != RoundStatus.OPEN:
        raise InputError(f"nhiệm vụ của đề nghị số {request.id} không còn mở (đã xong hoặc đã hủy)")
    if occurrence.due is not None and day <= occurrence.due:
        raise InputError(f"ngày gia hạn {day:%d/%m/%Y} phải sau hạn hiện tại {occurrence.due:%d/%m/%Y}")
    occurrence.extended_due = occurrence.due = day
    session.add(occurrence)
    record(session, event(occurrence, "extended", now, due=day, by=f"{by} (đề nghị số {request.id})"))
    return day


@dataclass(frozen=True)
class ChatDecision:
    """What a decision pressed or written in leadership's chat did: the answer for the person, and
    the message's words with the line that shows the decision (None while nothing is decided)."""

    answer: str
    body: str = ""
    line: str | None = None


def decide_in_chat(
    office: Office, delivery_id: int, *, approve: bool, note: str, person: Person, external_id: str
) -> ChatDecision | None:
    """A decision pressed or written in leadership's chat, on a delivery the caller has checked was
    sent there. None when that message asks for no decision (a reply to something else). A press
    made again, or after the office decided, changes nothing and says who decided."""
    with change(office, tracks=False) as session:
        delivery = session.get_one(Delivery, delivery_id)
        query = select(ExtensionRequest).where(ExtensionRequest.decision_digest_id == delivery.digest_id)
        request = session.exec(query).first()
        if request is None:
            return None
        body = delivery.body or ""
        if request.status != RequestStatus.PENDING:
            return ChatDecision(_already(request), body, _decided_line(request))
        refusal = _refusal(session, office, delivery, person, approve, note)
        if refusal is not None:
            return ChatDecision(refusal, body)
        _decide(session, office, request, approve=approve, note=note, due=None, by=f"{person.name} (lãnh đạo)")
        at = request.decided_at or office.clock()
        session.add(answer_ack(delivery, person, request.status, external_id, at, request.decision_note or None))
        if approve:
            sync_tracks(session, office.policy, office.clock(), tasks={request.task_id})
        return ChatDecision(_decided_answer(request), body, _decided_line(request))


def _refusal(
    session: Session, office: Office, delivery: Delivery, person: Person, approve: bool, note: str
) -> str | None:
    leader = session.get_one(Unit, session.get_one(Digest, delivery.digest_id).unit_id)
    entry = load_directory(office.settings.units_file).units.get(leader.name)
    if not person.allowed(entry.done_reporters if entry else ()):
        return "Bạn không có quyền quyết định đề nghị gia hạn."
    if not approve and not note.strip():
        return "Hãy ghi lý do không đồng ý để báo lại đơn vị, ví dụ «không đồng ý, lý do: …»."
    return None


def _already(request: ExtensionRequest) -> str:
    status = STATUS.get(request.status, request.status)
    return f"Đề nghị gia hạn số {request.id} đã được quyết định: {status} ({request.decided_by})."


def _decided_answer(request: ExtensionRequest) -> str:
    if request.status == RequestStatus.APPROVED and request.approved_due is not None:
        return (
            f"Đã đồng ý gia hạn đến ngày {request.approved_due:%d/%m/%Y} (đề nghị số {request.id}). Đơn vị sẽ được báo."
        )
    return f"Đã ghi nhận không đồng ý đề nghị gia hạn số {request.id}. Đơn vị sẽ được báo kèm lý do."


def _decided_line(request: ExtensionRequest) -> str:
    mark = "✅ Đồng ý" if request.status == RequestStatus.APPROVED else "❌ Không đồng ý"
    when = f"{vietnam_time(request.decided_at):%H:%M %d/%m/%Y}" if request.decided_at else ""
    note = f" — {request.decision_note}" if request.decision_note else ""
    return f"{mark}: {request.decided_by}, {when}{note}"


def recorded_answer(number: int, task: str, due: date, policy: Policy) -> str:
    """What a unit is told when its request is recorded, in any chat or on the email form."""
    recorded = f"Đã ghi nhận đề nghị gia hạn số {number}: nhiệm vụ {task} đến ngày {due:%d/%m/%Y}."
    who = "Lãnh đạo" if policy.extensions.decided_by == "leadership" else "Văn phòng"
    return f"{recorded} {who} sẽ báo lại quyết định."


def refused_answer(reason: object) -> str:
    return f"Chưa ghi nhận đề nghị gia hạn: {reason}."
