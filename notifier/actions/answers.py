"""Acknowledgements from any chat channel: a press ("received", "snooze", "done"), a reply.

A press counts only from the chat its digest was sent to, and only on a message that delivery
became. The same press (the provider's id) is recorded once. An acknowledgement is per digest,
whatever channel it came on.

The public functions here are the actions (each one transaction); the ones taking a ``session``
are their steps. An answer updates the tracks it touches itself (``progress.complete``), so it
does not wait for the whole-plan track sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from notifier.actions.base import Office, change
from notifier.channels.base import OutItem
from notifier.channels.callbacks import Press
from notifier.channels.models import SentMessage
from notifier.clock import at_vietnam, vietnam_time
from notifier.delivery.models import Ack, Delivery, DeliveryStatus
from notifier.plans.models import Role, Task
from notifier.schedule.digest_view import ItemView, digest_reminders, short_title
from notifier.schedule.digests import DigestBook
from notifier.schedule.models import Assignment, Digest, Occurrence, Reminder, RoundStatus, Track
from notifier.schedule.policy import Policy
from notifier.schedule.progress import complete
from notifier.units.directory import Directory, load_directory
from notifier.units.models import Unit

#: Answers not listed below a digest: comments, leadership's decisions (the question they answer
#: shows its decision itself, with its buttons gone) and a unit's explanation (sent to leadership).
NOT_LISTED = ("comment", "approved", "rejected", "explained")


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    username: str | None = None

    def allowed(self, reporters: tuple[str, ...]) -> bool:
        if not reporters:
            return True
        names = {self.id, f"@{self.username}" if self.username else ""}
        return bool(names & set(reporters))


@dataclass(frozen=True)
class _Press:
    """One action being recorded: where it came from and what it is about."""

    session: Session
    policy: Policy
    directory: Directory
    delivery: Delivery
    digest: Digest
    press: Press
    person: Person
    external_id: str
    now: datetime


@dataclass
class PressOutcome:
    answer: str
    accepted: bool = False
    delivery_id: int | None = None
    body: str = ""
    lines: list[str] = field(default_factory=list)
    received: bool = False
    snoozed: bool = False
    finished: frozenset[int] = frozenset()
    items: tuple[OutItem, ...] = ()
    kind: str = "reminder"


def find_sent(session: Session, channel: str, chat: str, message_id: str) -> SentMessage | None:
    """The chat message a delivery became, by its place in the chat."""
    return session.exec(
        select(SentMessage).where(
            SentMessage.channel == channel, SentMessage.chat == chat, SentMessage.message_id == message_id
        )
    ).first()


def pressed_under(session: Session, channel: str, chat: str, message_id: str, signed_for: int) -> int | None:
    """The delivery a message with a signed button is: the one recorded for that message; or, for
    a message never recorded (its send was interrupted after it reached the chat, then sent again),
    the delivery the signature names when that delivery went to this very chat."""
    sent = find_sent(session, channel, chat, message_id)
    if sent is not None:
        return sent.delivery_id
    return signed_for if _went_to(session, channel, chat, signed_for) else None


def _went_to(session: Session, channel: str, chat: str, delivery_id: int) -> bool:
    delivery = session.get(Delivery, delivery_id)
    return delivery is not None and delivery.channel == channel and delivery.target == chat


def replied_to(session: Session, channel: str, chat: str, message_id: str) -> tuple[int, str] | None:
    """The delivery a chat message became and its digest's kind (one query): a reply is read by
    what it answers (a question to leadership, a request for explanation, a reminder)."""
    row = session.exec(
        select(SentMessage.delivery_id, Digest.kind)
        .where(SentMessage.channel == channel, SentMessage.chat == chat, SentMessage.message_id == message_id)
        .where(SentMessage.delivery_id == Delivery.id, Delivery.digest_id == Digest.id)
    ).first()
    return (row[0], row[1]) if row else None


def _record_press(
    session: Session,
    policy: Policy,
    directory: Directory,
    channel: str,
    chat: str,
    message_id: str,
    press: Press,
    person: Person,
    external_id: str,
    now: datetime,
) -> PressOutcome:
    sent = find_sent(session, channel, chat, message_id)
    if sent is None and _went_to(session, channel, chat, press.delivery_id):
        # Never recorded: recorded now, so the acknowledgement display and later presses find it.
        session.add(SentMessage(channel=channel, chat=chat, message_id=message_id, delivery_id=press.delivery_id))
    elif sent is None or sent.delivery_id != press.delivery_id:
        return PressOutcome("Nút này không thuộc bản tin gửi tới nhóm này.")
    return _apply_press(
        session, policy, directory, session.get_one(Delivery, press.delivery_id), press, person, external_id, now
    )


def _apply_press(
    session: Session,
    policy: Policy,
    directory: Directory,
    delivery: Delivery,
    press: Press,
    person: Person,
    external_id: str,
    now: datetime,
) -> PressOutcome:
    """Record an action on a delivery the caller has checked belongs to the chat it came from."""
    digest = session.get_one(Digest, delivery.digest_id)
    if session.exec(select(Ack).where(Ack.external_id == external_id)).first() is not None:
        return _outcome(session, "Đã ghi nhận.", delivery, digest, accepted=False)
    handler = {"received": _received, "snooze": _snooze, "done": _done}[press.action]
    answer, accepted = handler(_Press(session, policy, directory, delivery, digest, press, person, external_id, now))
    session.flush()
    return _outcome(session, answer, delivery, digest, accepted=accepted)


def _ack(
    delivery: Delivery,
    person: Person,
    channel: str,
    action: str,
    external_id: str | None,
    now: datetime,
    task_id: int | None = None,
    text: str | None = None,
) -> Ack:
    return Ack(
        digest_id=delivery.digest_id,
        delivery_id=delivery.id,
        task_id=task_id,
        by=person.name,
        by_id=person.id,
        by_username=person.username,
        channel=channel,
        action=action,
        external_id=external_id,
        at=now,
        text=text,
    )


def answer_ack(
    delivery: Delivery, person: Person, action: str, external_id: str, at: datetime, text: str | None
) -> Ack:
    """An answer given on a delivered message in its chat (a decision, an explanation), as the log
    lists it under that message."""
    return _ack(delivery, person, delivery.channel, action, external_id, at, text=text)


def _record_link_ack(
    session: Session, digest: Digest, delivery: Delivery, client: str, now: datetime
) -> tuple[Ack, bool]:
    """An email recipient confirmed through their link: recorded once for the digest."""
    earlier = _first(session, digest, "received")
    if earlier is not None:
        return earlier, False
    person = Person(delivery.target, delivery.target)
    ack = _ack(
        delivery,
        person,
        delivery.channel,
        "received",
        f"link:{delivery.id}",
        now,
        text=f"xác nhận qua liên kết, từ địa chỉ {client}",
    )
    session.add(ack)
    session.flush()
    return ack, True


def first_ack(session: Session, digest: Digest, action: str) -> Ack | None:
    return _first(session, digest, action)


def _first(session: Session, digest: Digest, action: str, task_id: int | None = None) -> Ack | None:
    query = select(Ack).where(Ack.digest_id == digest.id, Ack.action == action)
    if task_id is not None:
        query = query.where(Ack.task_id == task_id)
    return session.exec(query.order_by(col(Ack.id))).first()


def _received(c: _Press) -> tuple[str, bool]:
    earlier = _first(c.session, c.digest, "received")
    if earlier is not None:
        return f"Đã có xác nhận trước: {earlier.by}, {_when(earlier.at)}.", False
    c.session.add(_ack(c.delivery, c.person, c.delivery.channel, "received", c.external_id, c.now))
    return "Đã ghi nhận: đơn vị đã nhận bản tin.", True


def _snooze(c: _Press) -> tuple[str, bool]:
    if _first(c.session, c.digest, "snooze") is not None:
        return "Bản tin này đã được hẹn nhắc lại.", False
    day = snooze_digest(c.session, c.policy, c.digest, c.now)
    c.session.add(_ack(c.delivery, c.person, c.delivery.channel, "snooze", c.external_id, c.now))
    return f"Sẽ nhắc lại vào ngày {day:%d/%m/%Y}.", True


def snooze_digest(session: Session, policy: Policy, digest: Digest, now: datetime) -> date:
    """Put the digest's items, as they stand, into the unit's digest of the next working day."""
    unit = session.get_one(Unit, digest.unit_id)
    day = policy.calendar.next_working_day(vietnam_time(now).date(), include_today=False)
    book = DigestBook(session, policy, at_vietnam(day, policy.send_time_for(unit.name)))
    target = book.digest_for(unit, digest.kind)
    for reminder in session.exec(select(Reminder).where(Reminder.digest_id == digest.id)).all():
        key = f"{reminder.key}:snooze:{day.isoformat()}"
        if session.exec(select(Reminder.id).where(Reminder.key == key)).first() is None:
            fields = reminder.model_dump(exclude={"id", "key", "digest_id", "created_at", "step"})
            session.add(Reminder(**fields, key=key, digest_id=target.id, step=f"{reminder.step}:snooze"))
    return day


def _done(c: _Press) -> tuple[str, bool]:
    reminders = digest_reminders(c.session, c.digest)
    if c.press.item is None or c.press.item >= len(reminders):
        return "Nút này không còn hiệu lực.", False
    reminder = reminders[c.press.item]
    unit = c.session.get_one(Unit, c.digest.unit_id)
    entry = c.directory.units.get(unit.name)
    if not c.person.allowed(entry.done_reporters if entry else ()):
        return "Bạn không có quyền báo hoàn thành cho đơn vị này.", False
    occurrence = c.session.get(Occurrence, reminder.occurrence_id) if reminder.occurrence_id else None
    if occurrence is None or occurrence.status != RoundStatus.OPEN or _part_finished(c.session, occurrence, unit):
        return "Nhiệm vụ này đã được báo xong trước đó.", False
    accept = bool(entry and entry.accept_done_reports)
    completion = complete(c.session, occurrence, c.now, unit=unit, by=c.person.name, confirmed=accept)
    task = c.session.get_one(Task, reminder.task_id)
    c.session.add(_ack(c.delivery, c.person, c.delivery.channel, "done", c.external_id, c.now, task_id=task.id))
    if not completion.finished:
        return f"Nhiệm vụ {task.number}: đã ghi nhận phần việc của đơn vị; chờ các đơn vị chủ trì khác.", True
    tail = (
        "đã ghi nhận hoàn thành."
        if completion.occurrence.status == RoundStatus.DONE
        else "đã ghi nhận; chờ văn phòng xác nhận."
    )
    return f"Nhiệm vụ {task.number}: {tail}", True


def _part_finished(session: Session, occurrence: Occurrence, unit: Unit) -> bool:
    tracks = session.exec(
        select(Track)
        .where(Track.occurrence_id == occurrence.id, Track.assignment_id == Assignment.id)
        .where(Assignment.unit_id == unit.id)
    ).all()
    return bool(tracks) and all(t.done_at is not None for t in tracks)


def _when(moment: datetime) -> str:
    return f"{vietnam_time(moment):%H:%M %d/%m/%Y}"


def _outcome(session: Session, answer: str, delivery: Delivery, digest: Digest, *, accepted: bool) -> PressOutcome:
    acks = session.exec(select(Ack).where(Ack.digest_id == digest.id).order_by(col(Ack.id))).all()
    reminders = digest_reminders(session, digest)
    tasks = {r.task_id: i for i, r in enumerate(reminders)}
    numbers = {t.id: t.number for t in session.exec(select(Task).where(col(Task.id).in_(list(tasks)))).all()}
    finished = frozenset(tasks[a.task_id] for a in acks if a.action == "done" and a.task_id in tasks)
    return PressOutcome(
        answer=answer,
        accepted=accepted,
        delivery_id=delivery.id,
        body=delivery.body or "",
        lines=[_line(a, numbers) for a in acks if a.action != "comment"],
        received=any(a.action == "received" for a in acks),
        snoozed=any(a.action == "snooze" for a in acks),
        finished=finished,
        items=tuple(
            OutItem(numbers.get(r.task_id, "?"), r.role == Role.LEAD and r.state != "check_in") for r in reminders
        ),
        kind=digest.kind,
    )


def _line(ack: Ack, numbers: dict[int | None, str]) -> str:
    if ack.action == "received":
        return f"✅ Đã nhận: {ack.by}, {_when(ack.at)}"
    if ack.action == "snooze":
        return f"⏰ Hẹn nhắc lại: {ack.by}, {_when(ack.at)}"
    return f"✔️ Xong {numbers.get(ack.task_id, '?')}: {ack.by}, {_when(ack.at)}"


def displays_behind(session: Session, channel: str) -> list[tuple[Delivery, SentMessage, PressOutcome]]:
    """Sent messages on ``channel`` that show fewer acknowledgements than their digest has (one given
    on another channel, by email or Zalo): each with what it should show now."""
    counts = dict(
        session.exec(
            select(Ack.digest_id, func.count(col(Ack.id)))
            .where(col(Ack.action).not_in(NOT_LISTED))
            .group_by(col(Ack.digest_id))
        ).all()
    )
    rows = session.exec(
        select(Delivery, SentMessage)
        .where(
            Delivery.channel == channel, Delivery.status == DeliveryStatus.SENT, SentMessage.delivery_id == Delivery.id
        )
        .where(col(Delivery.digest_id).in_(list(counts)))
        .order_by(col(SentMessage.part).desc())
    ).all()
    behind: dict[int, tuple[Delivery, SentMessage]] = {}
    for delivery, sent in rows:
        if delivery.acks_shown < counts[delivery.digest_id]:
            behind.setdefault(delivery.id or 0, (delivery, sent))  # the last part carries the buttons
    return [
        (d, s, _outcome(session, "", d, session.get_one(Digest, d.digest_id), accepted=True))
        for d, s in behind.values()
    ]


def _mark_shown(session: Session, delivery_id: int) -> None:
    delivery = session.get_one(Delivery, delivery_id)
    delivery.acks_shown = len(
        session.exec(
            select(Ack.id).where(Ack.digest_id == delivery.digest_id, col(Ack.action).not_in(NOT_LISTED))
        ).all()
    )
    session.add(delivery)


def _record_reply(
    session: Session,
    channel: str,
    chat: str,
    replied_to: str,
    text: str,
    person: Person,
    external_id: str,
    now: datetime,
) -> bool:
    """A reply to a reminder message: a comment, and the acknowledgement if nobody gave one yet."""
    sent = find_sent(session, channel, chat, replied_to)
    if sent is None:
        return False
    delivery = session.get_one(Delivery, sent.delivery_id)
    digest = session.get_one(Digest, delivery.digest_id)
    if session.exec(select(Ack).where(Ack.external_id == external_id)).first() is not None:
        return True
    session.add(_ack(delivery, person, channel, "comment", external_id, now, text=text))
    if _first(session, digest, "received") is None:
        session.add(_ack(delivery, person, channel, "received", None, now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
    return True


def open_items(session: Session, unit: Unit, policy: Policy, now: datetime) -> list[ItemView]:
    """The unit's tasks with an open occurrence, nearest deadline first (for /nhiemvu)."""
    rows = session.exec(
        select(Assignment, Occurrence, Task)
        .where(Assignment.unit_id == unit.id, col(Assignment.active).is_(True))
        .where(
            Occurrence.task_id == Assignment.task_id,
            Occurrence.status == RoundStatus.OPEN,
            Task.id == Assignment.task_id,
        )
    ).all()
    today = vietnam_time(now).date()
    items = []
    for assignment, occurrence, task in sorted(rows, key=lambda r: (r[1].due or date.max, r[2].position)):
        due = occurrence.due
        days = policy.calendar.working_days_between(today, due) if due else None
        items.append(
            ItemView(
                task.key,
                task.number,
                short_title(task.title),
                task.deadline_text,
                due,
                days,
                RoundStatus.OPEN,
                assignment.role,
                None,
            )
        )
    return items


def press_button(
    office: Office, channel: str, chat: str, message_id: str, press: Press, person: Person, external_id: str
) -> PressOutcome:
    """A button pressed under a sent message (Telegram): applied if it belongs to that message."""
    with change(office, tracks=False) as session:
        directory = load_directory(office.settings.units_file)
        where = (channel, chat, message_id)
        return _record_press(session, office.policy, directory, *where, press, person, external_id, office.clock())


def answer_in_words(office: Office, delivery_id: int, press: Press, person: Person, external_id: str) -> PressOutcome:
    """An answer written in a chat (Zalo: "#R12 đã nhận") to a delivery the caller has checked
    was sent to that chat."""
    with change(office, tracks=False) as session:
        directory = load_directory(office.settings.units_file)
        delivery = session.get_one(Delivery, delivery_id)
        return _apply_press(session, office.policy, directory, delivery, press, person, external_id, office.clock())


def confirm_by_link(office: Office, delivery_id: int, client: str) -> tuple[Ack, bool]:
    """An email recipient confirmed through their link: the acknowledgement, and whether it is new."""
    with change(office, tracks=False) as session:
        delivery = session.get_one(Delivery, delivery_id)
        digest = session.get_one(Digest, delivery.digest_id)
        return _record_link_ack(session, digest, delivery, client, office.clock())


def shown(office: Office, delivery_id: int) -> None:
    """The sent message now shows every acknowledgement of its digest."""
    with change(office, tracks=False) as session:
        _mark_shown(session, delivery_id)


def reply(
    office: Office, channel: str, chat: str, replied_to: str, text: str, person: Person, external_id: str
) -> bool:
    """A reply to a reminder message: a comment, and the acknowledgement if nobody gave one yet."""
    with change(office, tracks=False) as session:
        return _record_reply(session, channel, chat, replied_to, text, person, external_id, office.clock())
