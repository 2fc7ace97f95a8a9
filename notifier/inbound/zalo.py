"""What comes back from Zalo: /dangky, /nhiemvu, /trogiup, and acknowledgements by text.

Zalo has no buttons, so people answer with the codes each digest carries: "#R12 đã nhận",
"#R12-3 xong", "#R12 nhắc lại" (leadership: "#R15 đồng ý", "#R15 không đồng ý lý do …"),
or "đã nhận" / "ok" quoting the digest, with or without diacritics. An answer counts only in a
chat the digest was sent to. In groups the bot sees only @mentions and quote-replies, so a leading
"@name" is ignored. getUpdates gives one update per call (408 when there is none); one process
polls, holding a lease in the database.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from notifier.actions.answers import Person, answer_in_words, find_sent, replied_to
from notifier.actions.explanations import answer_in_chat, ask_from_digest
from notifier.actions.extensions import decide_in_chat, recorded_answer, refused_answer, request_from_digest
from notifier.actions.links import redeem_link_code
from notifier.channels import lease
from notifier.channels.base import ChannelError
from notifier.channels.callbacks import Press
from notifier.channels.splitting import split_message
from notifier.channels.zalo import MAX_TEXT, NothingNew, ZaloChannel, rate_limits
from notifier.clock import stopwatch
from notifier.delivery.models import Delivery, DeliveryStatus
from notifier.delivery.render import environment
from notifier.errors import InputError
from notifier.inbound.ack_words import RECEIVED, only_acknowledges
from notifier.inbound.context import InboundContext, pace
from notifier.inbound.decision_words import read_decision
from notifier.inbound.extension_words import asks_extension, read_extension
from notifier.inbound.replies import open_tasks_text, redeem_answer
from notifier.schedule.models import Digest
from notifier.text.folding import strip_marks

log = logging.getLogger("notifier.zalo")

CHANNEL = "zalo"
LEASE_NAME = "poll:zalo"
LEASE_TIME = timedelta(seconds=90)
POLL_SECONDS = 25
STORE_RETRIES, STORE_RETRY_SECONDS = 60, 5.0  # five minutes for a busy or restarting database
MAX_PER_PASS = 200

_CODE = re.compile(r"#\s*r\s*(\d{1,12})(?:\s*-\s*(\d{1,3}))?", re.IGNORECASE)
_EXPLAINS = re.compile(r"^(?:giải\s+trình|giai\s+trinh)\s*:?\s*", re.IGNORECASE)  # "#R40 giải trình: …"
_COMMAND = re.compile(r"(?:^|\s)/(dangky|nhiemvu|trogiup)\b(.*)$", re.IGNORECASE | re.DOTALL)
_DONE = ("xong", "hoan thanh", "da hoan thanh", "da xong")
_SNOOZE = ("nhac lai", "de sau", "nhac sau")

EXTENSION_HELP = "Để xin gia hạn, ghi mã mục, ngày và lý do, ví dụ: «#R12-3 gia hạn 15/12/2026 lý do chờ kinh phí»."
CHAT = "cuộc trò chuyện này"  # how this channel's users call the place a message is in
HELP_FOR_CODES = (
    "Không hiểu câu trả lời. Hãy trả lời theo mã trong bản tin, ví dụ: «#R12 đã nhận», «#R12-3 xong», "
    "«#R12 nhắc lại». Gõ /trogiup để xem hướng dẫn."
)


@dataclass(frozen=True)
class TextAck:
    action: str
    digest_id: int | None
    item: int | None  # 1-based, as the digest shows it
    due: date | None = None  # an extension request's date
    reason: str = ""  # an extension request's reason, as written


def _extension(text: str, digest: int | None, item: int | None) -> TextAck:
    """ "#R12-3 gia hạn 15/12/2026 lý do …": the date and the reason (its words kept as written)."""
    words = read_extension(text)
    return TextAck("extend", digest, item, words.due, words.reason)


def read_reply(text: str) -> TextAck | None:
    """The acknowledgement a text asks for, or None when it is not one."""
    words = " ".join(strip_marks(text).replace(",", " ").replace(".", " ").replace("!", " ").split())
    code = _CODE.search(words)
    rest = " ".join(w for w in _CODE.sub(" ", words).split() if not w.startswith("@"))
    digest = int(code.group(1)) if code else None
    item = int(code.group(2)) if code and code.group(2) else None
    padded = f" {rest} "
    if " giai trinh " in padded and item is not None:
        return TextAck("explain", digest, item)
    decision = read_decision(text)
    if decision is not None:
        return TextAck("approve" if decision.approve else "reject", digest, item, reason=decision.note)
    if asks_extension(padded):
        return _extension(text, digest, item)
    if any(f" {w} " in padded for w in _DONE):
        return TextAck("done", digest, item)
    if any(f" {w} " in padded for w in _SNOOZE):
        return TextAck("snooze", digest, item)
    if any(f" {w} " in padded for w in RECEIVED) or (code and not rest):
        return TextAck("received", digest, item)
    return None


class ZaloInbound:
    def __init__(self, context: InboundContext, channel: ZaloChannel) -> None:
        self.engine, self.policy, self.directory = context.engine, context.policy, context.directory
        self.templates, self.clock, self.holder = context.templates, context.clock, context.holder
        self.office, self.context = context.office, context
        self.channel = channel
        self.lease = lease.LeaseKeeper(self.engine, LEASE_NAME, LEASE_TIME)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        # The next process (the next `run --once` under cron) must not wait for the lease to run out.
        await asyncio.to_thread(self.lease.release, self.holder)
        await self.channel.client.close()

    async def refresh(self) -> int:
        return 0  # a Zalo message cannot be edited: acknowledgements are confirmed by a reply instead

    async def poll_once(self, timeout: int = 0) -> int:
        if not await asyncio.to_thread(self.lease.take, self.holder):
            return 0
        handled = 0
        while handled < MAX_PER_PASS:
            try:
                update = await self.channel.client.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
            except NothingNew:
                return handled
            except ChannelError as exc:
                log.warning("getUpdates failed: %s", exc)
                return handled
            await self._handle_until_stored(update)
            handled += 1
            timeout = 0  # drain what waits without blocking again
        return handled

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started, brought = stopwatch(), 0
            try:
                brought = await self.poll_once(timeout=POLL_SECONDS)
                if brought == 0 and not await asyncio.to_thread(self.lease.holds, self.holder):
                    await asyncio.wait_for(stop.wait(), timeout=10)
            except TimeoutError:
                continue
            except Exception:  # a database error must not end polling for good: log, back off, go on
                log.exception("polling failed; retrying in 5 s")
                await asyncio.sleep(5)
            if not brought:  # a poll that brought updates is followed at once: a press waits for nothing
                await pace(stop, started)
        await asyncio.to_thread(self.lease.release, self.holder)

    async def handle(self, update: Any) -> None:
        try:
            message = (update or {}).get("message") or {}
            text = str(message.get("text") or "").strip()
            chat = str((message.get("chat") or {}).get("id") or "")
            if not text or not chat:
                return
            answer = await self._answer(message, text, chat)
            if answer:
                await self.say(chat, answer)
        except OperationalError:
            raise  # not stored: _handle_until_stored tries again
        except Exception:  # one bad update must not stop the others
            log.exception("zalo update failed")

    async def _handle_until_stored(self, update: Any) -> None:
        """Zalo hands each message over once: one that could not be stored (the database locked or
        away) is handled again after a pause, for as long as STORE_RETRIES allow, and then named in
        the log so that the office can ask for it again."""
        for attempt in range(STORE_RETRIES):
            try:
                await self.handle(update)
                return
            except OperationalError as exc:
                log.warning("zalo message not stored (%s); trying again (%d)", exc, attempt + 1)
                await asyncio.sleep(STORE_RETRY_SECONDS)
        log.error("zalo message could not be stored and is dropped: %r", update)

    async def _answer(self, message: dict[str, Any], text: str, chat: str) -> str | None:
        command = _COMMAND.search(text)  # in a group it follows an @mention of the bot
        if command and command.group(1) == "dangky":
            code = command.group(2).strip().split(" ")[0]
            if not code:
                return "Cách dùng: /dangky MÃ (mã do văn phòng cấp)."
            return await asyncio.to_thread(self._redeem, code, chat, _person(message))
        if command and command.group(1) == "nhiemvu":
            return await asyncio.to_thread(self._tasks_text, chat)
        if command:
            return environment(self.templates).get_template("zalo/help.txt.j2").render().strip()
        explained = await asyncio.to_thread(self._explanation, text, message, chat)
        if explained is not None:
            return explained
        reply = read_reply(text)
        if reply is None:
            return HELP_FOR_CODES if _CODE.search(strip_marks(text)) else None
        return await asyncio.to_thread(self._acknowledge, reply, message, chat)

    def _redeem(self, code: str, chat: str, person: Person) -> str:
        outcome, unit = redeem_link_code(self.office, code, CHANNEL, chat, None, person.name)
        return redeem_answer(outcome, chat=CHAT, unit=unit, code=code)

    def _tasks_text(self, chat: str) -> str:
        return open_tasks_text(self.context, CHANNEL, chat, chat=CHAT, template="zalo/tasks.txt.j2")

    def _acknowledge(self, reply: TextAck, message: dict[str, Any], chat: str) -> str:
        with Session(self.engine) as session:
            delivery = self._delivery(session, reply, message, chat)
        if isinstance(delivery, str):
            return delivery
        item = reply.item - 1 if reply.item is not None else None
        if reply.action == "extend":
            return self._extension(reply, delivery, item, message)
        if reply.action in ("approve", "reject"):
            return self._decision(reply, delivery, message, chat)
        if reply.action == "explain" and item is not None:
            return self._ask_explanation(delivery, item, message)
        if reply.action == "done" and item is None:
            return "Hãy ghi số mục đã xong, ví dụ «#R12-3 xong»."
        press = Press(reply.action, delivery.id or 0, item)
        external = f"zalo:msg:{chat}:{message.get('message_id')}"
        return answer_in_words(self.office, delivery.id or 0, press, _person(message), external).answer

    def _extension(self, reply: TextAck, delivery: Delivery, item: int | None, message: dict[str, Any]) -> str:
        if item is None or reply.due is None:
            return EXTENSION_HELP
        person = _person(message)
        try:
            number, task = request_from_digest(
                self.office, delivery.id or 0, item, reply.due, reason=reply.reason, via=CHANNEL, by=person.name
            )
        except InputError as exc:
            return refused_answer(exc)
        return recorded_answer(number, task, reply.due, self.policy)

    def _decision(self, reply: TextAck, delivery: Delivery, message: dict[str, Any], chat: str) -> str:
        """ "#R15 đồng ý" / "#R15 không đồng ý lý do …" on leadership's question."""
        key = f"zalo:msg:{chat}:{message.get('message_id')}"
        approve = reply.action == "approve"
        decision = decide_in_chat(
            self.office, delivery.id or 0, approve=approve, note=reply.reason, person=_person(message), external_id=key
        )
        if decision is None:
            return f"Bản tin #R{delivery.digest_id} không có đề nghị gia hạn cần quyết định."
        return decision.answer

    def _ask_explanation(self, delivery: Delivery, item: int, message: dict[str, Any]) -> str:
        """ "#R20-2 giải trình" on an escalation: the unit of item 2 is asked to explain."""
        try:
            number, task, unit = ask_from_digest(
                self.office, delivery.id or 0, item, person=_person(message), via=CHANNEL
            )
        except InputError as exc:
            return f"Chưa gửi yêu cầu giải trình: {exc}."
        return f"Đã gửi yêu cầu giải trình số {number} tới {unit} (nhiệm vụ {task})."

    def _explanation(self, text: str, message: dict[str, Any], chat: str) -> str | None:
        """The unit's answer to a request for explanation: its code ("#R40 …") or a quote of it,
        then the answer in its own words. None when the message names no such request."""
        code = _CODE.search(strip_marks(text))
        quoted = _quoted(message)
        if ((code is None or code.group(2)) and quoted is None) or only_acknowledges(text):
            return None  # "#R40 đã nhận" acknowledges the request, it explains nothing
        with Session(self.engine) as session:
            if code is not None and not code.group(2):
                digest_id = int(code.group(1))
                digest = session.get(Digest, digest_id)
                asked = digest is not None and digest.kind == "explain"
                found = self._delivery(session, TextAck("answer", digest_id, None), message, chat) if asked else None
            else:
                replied = replied_to(session, CHANNEL, chat, quoted or "")
                found = session.get(Delivery, replied[0]) if replied and replied[1] == "explain" else None
        if not isinstance(found, Delivery):
            return None
        words = _CODE.sub(" ", text, count=1) if code is not None else text
        words = _EXPLAINS.sub("", words.strip())
        key = f"zalo:msg:{chat}:{message.get('message_id')}"
        return answer_in_chat(self.office, found.id or 0, words, person=_person(message), external_id=key)

    def _delivery(self, session: Session, reply: TextAck, message: dict[str, Any], chat: str) -> Delivery | str:
        if reply.digest_id is None:
            quoted = _quoted(message)
            sent = find_sent(session, CHANNEL, chat, quoted) if quoted else None
            if sent is None:
                return "Hãy ghi mã bản tin, ví dụ «#R12 đã nhận», hoặc trả lời (trích dẫn) chính bản tin."
            return session.get_one(Delivery, sent.delivery_id)
        delivery = session.exec(
            select(Delivery).where(
                Delivery.digest_id == reply.digest_id,
                Delivery.channel == CHANNEL,
                Delivery.target == chat,
                col(Delivery.status).in_((DeliveryStatus.SENT, DeliveryStatus.UNCERTAIN)),
            )
        ).first()
        if delivery is None:
            log.info("zalo chat %s named digest #R%s, not sent to it", chat, reply.digest_id)
            return f"Không tìm thấy bản tin #R{reply.digest_id} trong cuộc trò chuyện này."
        return delivery

    async def say(self, chat: str, text: str) -> None:
        for part in split_message(text, MAX_TEXT):
            async with self.channel.limiter.turn(rate_limits(chat)):
                try:
                    await self.channel.client.call("sendMessage", {"chat_id": chat, "text": part})
                except ChannelError as exc:
                    log.warning("could not answer in zalo chat %s: %s", chat, exc)


def _person(message: dict[str, Any]) -> Person:
    sender = message.get("from") or {}
    name = sender.get("display_name") or sender.get("first_name") or sender.get("name") or "?"
    return Person(str(sender.get("id") or "?"), str(name))


def _quoted(message: dict[str, Any]) -> str | None:
    """The id of the message a quote-reply quotes (Zalo's field, or Telegram-style as a fallback)."""
    quote = message.get("quote") or message.get("reply_to_message") or {}
    value = quote.get("message_id") if isinstance(quote, dict) else None
    return str(value) if value else None
