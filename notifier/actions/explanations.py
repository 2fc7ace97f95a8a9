"""Requests for explanation (yêu cầu giải trình): leadership (from an escalation in its chat) or
the office asks the lead unit of an overdue task why it is late; the unit answers in its chat or
through the email form; the answer goes to leadership. A request left unanswered past its working
days is escalated by the schedule (``schedule/explanations.py``)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from notifier.actions.answers import Person, answer_ack
from notifier.actions.audit import audit
from notifier.actions.base import Office, change
from notifier.actions.extensions import lead_units
from notifier.clock import vietnam_time
from notifier.delivery.models import Delivery
from notifier.errors import InputError
from notifier.plans.editing import find_task
from notifier.plans.models import Task
from notifier.schedule import progress
from notifier.schedule.digest_view import digest_reminders
from notifier.schedule.digests import open_message
from notifier.schedule.explanations import tell_leadership
from notifier.schedule.models import Digest, ExplanationRequest, ExplanationStatus, Occurrence, RoundStatus
from notifier.units.lookup import find_unit
from notifier.units.models import Unit

STATUS = {"waiting": "chờ giải trình", "answered": "đã giải trình"}


def ask_explanation(
    office: Office, key: str, *, unit: str | None = None, question: str = "", via: str = "office", by: str | None = None
) -> int:
    """Ask the lead unit (the one named, or the task's only one) to explain its overdue task;
    returns the request's number. Refused when nothing is overdue or a request already waits."""
    with change(office, tracks=False) as session:
        task = find_task(session, key)
        asked = _lead_unit(session, task, unit)
        occurrence = _overdue(session, office, task, asked)
        return _new(session, office, task, occurrence, asked, question, via, by or office.by or progress.OFFICE)


def ask_from_digest(office: Office, delivery_id: int, item: int, *, person: Person, via: str) -> tuple[int, str, str]:
    """Leadership pressed "Giải trình N" (or wrote "#R20-2 giải trình") on an escalation it was
    sent: ask the unit the item is about. Returns the request's number, the task's, the unit."""
    with change(office, tracks=False) as session:
        digest = session.get_one(Digest, session.get_one(Delivery, delivery_id).digest_id)
        reminders = digest_reminders(session, digest)
        if digest.kind != "leadership" or not 0 <= item < len(reminders):
            raise InputError("chỉ yêu cầu giải trình trên bản tin báo cáo lãnh đạo")
        reminder = reminders[item]
        task = session.get_one(Task, reminder.task_id)
        unit = session.get_one(Unit, reminder.subject_unit_id or reminder.unit_id)
        occurrence = _overdue(session, office, task, unit)
        number = _new(session, office, task, occurrence, unit, "", via, f"{person.name} (lãnh đạo)")
        return number, task.number, unit.name


def _lead_unit(session: Session, task: Task, name: str | None) -> Unit:
    leads = lead_units(session, task)
    if name is None:
        if len(leads) != 1:
            raise InputError(
                f"nhiệm vụ «{task.key}» có {len(leads)} đơn vị chủ trì: ghi đơn vị cần giải trình (--unit)"
            )
        return leads[0]
    unit = find_unit(session, name)
    if unit not in leads:
        raise InputError(f"đơn vị «{unit.name}» không chủ trì nhiệm vụ «{task.key}»")
    return unit


def _overdue(session: Session, office: Office, task: Task, unit: Unit) -> Occurrence:
    today = vietnam_time(office.clock()).date()
    rows = session.exec(
        select(Occurrence)
        .where(Occurrence.task_id == task.id, Occurrence.status == RoundStatus.OPEN, col(Occurrence.due).is_not(None))
        .order_by(col(Occurrence.due))
    ).all()
    late = [o for o in rows if o.due is not None and o.due < today]
    if not late:
        raise InputError(f"nhiệm vụ «{task.key}» không có lần thực hiện nào quá hạn")
    waiting = session.exec(
        select(ExplanationRequest.id).where(
            ExplanationRequest.occurrence_id == late[0].id,
            ExplanationRequest.unit_id == unit.id,
            ExplanationRequest.status == ExplanationStatus.WAITING,
        )
    ).first()
    if waiting is not None:
        raise InputError(f"đã có yêu cầu giải trình số {waiting} đang chờ {unit.name} trả lời")
    return late[0]


def _new(
    session: Session,
    office: Office,
    task: Task,
    occurrence: Occurrence,
    unit: Unit,
    question: str,
    via: str,
    by: str,
) -> int:
    now = office.clock()
    within = office.policy.explanations.answer_within
    request = ExplanationRequest(
        occurrence_id=occurrence.id or 0,
        task_id=task.id or 0,
        unit_id=unit.id or 0,
        question=question.strip(),
        asked_by=by,
        asked_via=via,
        asked_at=now,
        answer_by=office.policy.calendar.add_working_days(vietnam_time(now).date(), within),
    )
    session.add(request)
    session.flush()
    key = f"{unit.id}:explain:{request.id}"
    request.question_digest_id = open_message(session, office.policy, unit, key, role="unit", kind="explain", now=now)
    audit(session, office.by, "explanation_request", f"#{request.id} {task.key} {unit.name}", now)
    return request.id or 0


def answer_explanation(office: Office, request_id: int, text: str, *, by: str, via: str = "office") -> None:
    """Record a unit's answer the office received another way (a letter, a call)."""
    with change(office, tracks=False) as session:
        request = session.get(ExplanationRequest, request_id)
        if request is None:
            raise InputError(f"không có yêu cầu giải trình số {request_id} (xem: notifier explanations)")
        _answer(session, office, request, text, by, via)


def answer_in_chat(office: Office, delivery_id: int, text: str, *, person: Person, external_id: str) -> str | None:
    """A unit's reply to the request it was sent (checked by the caller to be that chat's
    message): the answer, recorded once. None when that message asked for no explanation."""
    with change(office, tracks=False) as session:
        delivery = session.get_one(Delivery, delivery_id)
        query = select(ExplanationRequest).where(ExplanationRequest.question_digest_id == delivery.digest_id)
        request = session.exec(query).first()
        if request is None:
            return None
        try:
            _answer(session, office, request, text, person.name, delivery.channel)
        except InputError as exc:
            return f"Chưa ghi nhận giải trình: {exc}."
        at = request.answered_at or office.clock()
        session.add(answer_ack(delivery, person, "explained", external_id, at, request.answer))
        return f"Đã ghi nhận nội dung giải trình (yêu cầu số {request.id}). Lãnh đạo và văn phòng sẽ xem."


def _answer(session: Session, office: Office, request: ExplanationRequest, text: str, by: str, via: str) -> None:
    if request.status != ExplanationStatus.WAITING:
        when = f"{vietnam_time(request.answered_at):%H:%M %d/%m/%Y}" if request.answered_at else ""
        raise InputError(f"yêu cầu giải trình số {request.id} đã được trả lời ({request.answered_by}, {when})")
    if not text.strip():
        raise InputError("nội dung giải trình còn trống")
    now = office.clock()
    request.status, request.answer = ExplanationStatus.ANSWERED, text.strip()
    request.answered_by, request.answered_via, request.answered_at = by, via, now
    request.answer_digest_id = tell_leadership(session, office.policy, request, "answer", now)
    session.add(request)
    audit(session, office.by, "explanation_answer", f"#{request.id}", now)
