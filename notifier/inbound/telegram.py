"""What comes back from Telegram: /dangky, /nhiemvu, /trogiup, button presses, replies, and a
group's move to a supergroup.

Updates are fetched by long polling with the offset kept in the database, so a restart neither
loses nor repeats them (a repeat would be harmless anyway: presses are recorded once by their id).
Only one process polls a token: it holds a lease in the database; another waits for the lease
instead of fighting over getUpdates (Telegram answers 409 to that).
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import timedelta

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from telegram import Bot, CallbackQuery, Message, Update, User
from telegram.constants import ParseMode
from telegram.error import Conflict, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from notifier.actions.answers import (
    Person,
    PressOutcome,
    displays_behind,
    find_sent,
    press_button,
    pressed_under,
    replied_to,
    reply,
    shown,
)
from notifier.actions.explanations import answer_in_chat, ask_from_digest
from notifier.actions.extensions import (
    ChatDecision,
    decide_in_chat,
    recorded_answer,
    refused_answer,
    request_from_digest,
)
from notifier.actions.links import follow_chat, redeem_link_code
from notifier.channels import lease
from notifier.channels.base import Outbound
from notifier.channels.callbacks import CallbackSigner, ForgedCallback, Press
from notifier.channels.models import InboundCursor
from notifier.channels.splitting import split_message
from notifier.channels.telegram import MAX_TEXT, TelegramChannel, rate_limits
from notifier.clock import stamp, stopwatch
from notifier.db.engine import read_only
from notifier.delivery.render import environment
from notifier.errors import InputError
from notifier.inbound.ack_words import only_acknowledges
from notifier.inbound.context import InboundContext, pace
from notifier.inbound.decision_words import DecisionWords, read_decision
from notifier.inbound.extension_words import EXAMPLE, ExtensionWords, asks_extension, read_extension
from notifier.inbound.replies import open_tasks_text, redeem_answer
from notifier.units.links import Redeemed, unit_for_target

EXTENSION_HOW = f"Để xin gia hạn: trả lời (reply) bản tin này, ghi số nhiệm vụ, ngày mới và lý do, ví dụ «{EXAMPLE}»."
REJECTION_HOW = "Để không đồng ý: trả lời (reply) tin này, ghi lý do để báo lại đơn vị, ví dụ «không đồng ý, lý do: …»."
NOT_HERE = "Nút này không thuộc tin gửi tới nhóm này."
log = logging.getLogger("notifier.telegram")

CHANNEL = "telegram"
LEASE_NAME = "poll:telegram"
LEASE_TIME = timedelta(seconds=90)
POLL_SECONDS = 25

CHAT = "nhóm này"  # how this channel's users call the place a message is in


class TelegramInbound:
    def __init__(self, context: InboundContext, channel: TelegramChannel, signer: CallbackSigner) -> None:
        self.engine, self.policy, self.directory = context.engine, context.policy, context.directory
        self.templates, self.clock, self.holder = context.templates, context.clock, context.holder
        self.office, self.context = context.office, context
        # The database was locked or away while an update was handled (OperationalError only: an
        # error about the data itself would come back on every fetch and hold the cursor for good).
        self._unstored: OperationalError | None = None
        self.channel, self.signer = channel, signer
        self.lease = lease.LeaseKeeper(self.engine, LEASE_NAME, LEASE_TIME)
        self.app = Application.builder().bot(channel.bot).updater(None).build()
        self.app.add_handler(CommandHandler("dangky", self.on_register))
        self.app.add_handler(CommandHandler("nhiemvu", self.on_tasks))
        self.app.add_handler(CommandHandler(["trogiup", "help", "start"], self.on_help))
        self.app.add_handler(CallbackQueryHandler(self.on_press))
        self.app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        self.app.add_handler(MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND, self.on_reply))
        self.app.add_error_handler(self.on_error)

    @property
    def bot(self) -> Bot:
        return self.channel.bot

    async def start(self) -> None:
        await self.app.initialize()

    async def stop(self) -> None:
        # The next process (the next `run --once` under cron) must not wait for the lease to run out.
        await asyncio.to_thread(self._release_lease)
        await self.app.shutdown()

    # -- polling ----------------------------------------------------------------------------

    async def poll_once(self, timeout: int = 0) -> int:
        """Fetch and handle what is waiting; returns how many updates were handled."""
        if not await asyncio.to_thread(self._take_lease):
            return 0
        offset = await asyncio.to_thread(self._offset)
        try:
            updates = await self.bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=["message", "callback_query"]
            )
        except Conflict:
            log.warning("another program is polling this bot token; waiting")
            return 0
        for update in updates:
            await self.handle(update)
            await asyncio.to_thread(self._advance, update.update_id + 1)
        return len(updates)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            started, brought = stopwatch(), 0
            try:
                brought = await self.poll_once(timeout=POLL_SECONDS)
                if brought == 0 and not await asyncio.to_thread(self._has_lease):
                    await asyncio.wait_for(stop.wait(), timeout=10)
            except TimeoutError:
                continue
            except TelegramError as exc:
                log.warning("polling failed: %s; retrying", exc)
                await asyncio.sleep(5)
            except Exception:  # a database error must not end polling for good: log, back off, go on
                log.exception("polling failed; retrying in 5 s")
                await asyncio.sleep(5)
            if not brought:  # a poll that brought updates is followed at once: a press waits for nothing
                await pace(stop, started)
        await asyncio.to_thread(self._release_lease)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(context.error, OperationalError):
            self._unstored = context.error  # handle() raises it: the update is fetched again later
            return
        log.error("handling update failed: %r", context.error, exc_info=context.error)

    async def handle(self, update: Update) -> None:
        """Handle one update. An update that fails on its own is logged and passed over; one that
        could not be stored (the database locked or away) raises, so the cursor stays before it
        and the next poll brings it again: a press is never lost to a busy database, and the
        same press is recorded once (by its callback id)."""
        self._unstored = None
        try:
            await self.app.process_update(update)
        except OperationalError:
            raise
        except Exception:  # one bad update must not stop the others
            log.exception("update %s failed", update.update_id)
        if self._unstored is not None:
            log.warning("update %s not stored (%s); it will be fetched again", update.update_id, self._unstored)
            raise self._unstored

    def _offset(self) -> int | None:
        with Session(read_only(self.engine)) as session:  # a read: never queued behind a writer
            cursor = session.exec(select(InboundCursor).where(InboundCursor.channel == CHANNEL)).first()
            return cursor.offset if cursor else None

    def _advance(self, offset: int) -> None:
        with Session(self.engine) as session:
            cursor = session.exec(select(InboundCursor).where(InboundCursor.channel == CHANNEL)).first()
            cursor = cursor or InboundCursor(channel=CHANNEL)
            cursor.offset, cursor.updated_at = max(cursor.offset, offset), stamp()
            session.add(cursor)
            session.commit()

    def _take_lease(self) -> bool:
        return self.lease.take(self.holder)

    def _has_lease(self) -> bool:
        return self.lease.holds(self.holder)

    def _release_lease(self) -> None:
        self.lease.release(self.holder)

    # -- handlers ---------------------------------------------------------------------------

    async def _reply(self, message: Message, text: str, *, html_text: bool = False) -> None:
        """Answers go through the same limits as digests: a burst of commands cannot cause a 429."""
        async with self.channel.limiter.turn(rate_limits(str(message.chat.id))):
            try:
                await message.reply_text(text, parse_mode=ParseMode.HTML if html_text else None)
            except TelegramError as exc:
                log.warning("could not answer in chat %s: %s", message.chat.id, exc)

    async def on_register(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        code = " ".join(context.args or []).strip()
        if not code:
            await self._reply(message, "Cách dùng: /dangky MÃ (mã do văn phòng cấp).")
            return
        outcome, unit = await asyncio.to_thread(self._redeem, code, message, update.effective_user)
        answer = redeem_answer(outcome, chat=CHAT, unit=unit, code=code)
        await self._reply(message, answer)

    def _redeem(self, code: str, message: Message, user: User | None) -> tuple[Redeemed, str]:
        title = message.chat.title or message.chat.full_name
        by = _person(user).name if user else "?"
        outcome, unit = redeem_link_code(self.office, code, CHANNEL, str(message.chat.id), title, by)
        log.info("link code %s from chat %s: %s", code, message.chat.id, outcome.value)
        return outcome, unit

    async def on_tasks(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        text = await asyncio.to_thread(self._tasks_text, str(message.chat.id))
        for part in split_message(text, MAX_TEXT):
            await self._reply(message, part, html_text=True)

    def _tasks_text(self, chat: str) -> str:
        return open_tasks_text(self.context, CHANNEL, chat, chat=CHAT, template="telegram/tasks.html.j2")

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        unit = await asyncio.to_thread(self._unit_name, str(message.chat.id))
        template = environment(self.templates).get_template("telegram/help.html.j2")
        await self._reply(message, template.render(unit=unit).strip(), html_text=True)

    def _unit_name(self, chat: str) -> str | None:
        with Session(self.engine) as session:
            unit = unit_for_target(session, CHANNEL, chat)
            return unit.name if unit else None

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.message is None:
            return
        try:
            press = self.signer.decode(query.data or "")
        except ForgedCallback as exc:
            log.warning(
                "refused press %s from user %s in chat %s: %s", query.id, query.from_user.id, query.message.chat.id, exc
            )
            await query.answer("Nút không hợp lệ.")
            return
        if press.action == "extend":  # nothing changes yet: the request comes as a reply, with its date
            await query.answer(EXTENSION_HOW, show_alert=True)
            return
        if press.action == "reject":  # a refusal needs its reason, which comes as a reply
            await query.answer(REJECTION_HOW, show_alert=True)
            return
        if press.action == "approve":
            await self._approve(query, press)
            return
        if press.action == "explain":
            await query.answer(await asyncio.to_thread(self._ask_explanation, query, press))
            return
        outcome = await asyncio.to_thread(self._record_press, query, press)
        await query.answer(outcome.answer)  # at once: the person sees the answer before the message changes
        if not outcome.accepted:
            log.info("press %s (%s) not applied: %s", query.id, press.action, outcome.answer)
            return
        await self._show(query, outcome)

    async def _approve(self, query: CallbackQuery, press: Press) -> None:
        assert query.message is not None
        chat, message_id = str(query.message.chat.id), str(query.message.message_id)
        decision = await asyncio.to_thread(
            self._decide, chat, message_id, press.delivery_id, True, "", _person(query.from_user), f"tg:cb:{query.id}"
        )
        await query.answer(decision.answer if decision else "Tin này không có đề nghị cần quyết định.")
        if decision is not None and decision.line is not None:
            await self._show_decision(chat, query.message.message_id, decision)

    def _ask_explanation(self, query: CallbackQuery, press: Press) -> str:
        """Leadership asks the unit of an escalated item to explain: the unit gets the request."""
        assert query.message is not None and press.item is not None
        with Session(self.engine) as session:
            sent = find_sent(session, CHANNEL, str(query.message.chat.id), str(query.message.message_id))
        if sent is None or sent.delivery_id != press.delivery_id:
            return "Nút này không thuộc bản tin gửi tới nhóm này."
        try:
            number, task, unit = ask_from_digest(
                self.office, press.delivery_id, press.item, person=_person(query.from_user), via=CHANNEL
            )
        except InputError as exc:
            return f"Chưa gửi yêu cầu giải trình: {exc}."
        return f"Đã gửi yêu cầu giải trình số {number} tới {unit} (nhiệm vụ {task})."

    def _decide(
        self, chat: str, message_id: str, delivery_id: int | None, approve: bool, note: str, person: Person, key: str
    ) -> ChatDecision | None:
        """A decision on the request a message in this chat asks about (``delivery_id``: the one a
        signed button names, which must be that message's)."""
        with Session(self.engine) as session:
            if delivery_id is None:
                sent = find_sent(session, CHANNEL, chat, message_id)
                found = sent.delivery_id if sent is not None else None
            else:
                found = pressed_under(session, CHANNEL, chat, message_id, delivery_id)
        if found is None or (delivery_id is not None and found != delivery_id):
            return ChatDecision(NOT_HERE)
        return decide_in_chat(self.office, found, approve=approve, note=note, person=person, external_id=key)

    async def _show_decision(self, chat: str, message_id: int, decision: ChatDecision) -> None:
        """The decision below the question, its buttons gone: nobody presses it again."""
        text = decision.body + "\n\n" + html.escape(decision.line or "")
        async with self.channel.limiter.turn(rate_limits(chat, new_message=False)):
            try:
                await self.bot.edit_message_text(
                    chat_id=int(chat), message_id=message_id, text=text[:4096], parse_mode=ParseMode.HTML
                )
            except TelegramError as exc:
                log.warning("could not edit message %s: %s", message_id, exc)

    def _record_press(self, query: CallbackQuery, press: Press) -> PressOutcome:
        assert query.message is not None
        chat, message_id = str(query.message.chat.id), str(query.message.message_id)
        person = _person(query.from_user)
        return press_button(self.office, CHANNEL, chat, message_id, press, person, f"tg:cb:{query.id}")

    async def _show(self, query: CallbackQuery, outcome: PressOutcome) -> None:
        """Edit the pressed message: the acknowledgements below the digest, their buttons gone."""
        assert query.message is not None
        await self._edit(str(query.message.chat.id), query.message.message_id, outcome)

    async def refresh(self) -> int:
        """Show in Telegram what was acknowledged elsewhere (an email link, a Zalo reply)."""
        behind = await asyncio.to_thread(self._behind)
        for delivery_id, chat, message_id, outcome in behind:
            await self._edit(chat, int(message_id), outcome)
            await asyncio.to_thread(self._shown, delivery_id)
        return len(behind)

    def _behind(self) -> list[tuple[int, str, str, PressOutcome]]:
        with Session(self.engine) as session:
            return [(d.id or 0, s.chat, s.message_id, o) for d, s, o in displays_behind(session, CHANNEL)]

    def _shown(self, delivery_id: int) -> None:
        shown(self.office, delivery_id)

    async def _edit(self, chat: str, message_id: int, outcome: PressOutcome) -> None:
        text = outcome.body + "\n\n" + "\n".join(html.escape(line) for line in outcome.lines)
        shown = Outbound("", chat, outcome.body, outcome.delivery_id or 0, outcome.items, outcome.kind)
        markup = self.channel.keyboard(
            shown, received=outcome.received, snoozed=outcome.snoozed, finished=outcome.finished
        )
        async with self.channel.limiter.turn(rate_limits(chat, new_message=False)):
            try:
                await self.bot.edit_message_text(
                    chat_id=int(chat),
                    message_id=message_id,
                    text=text[:4096],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            except TelegramError as exc:
                log.warning("could not edit message %s: %s", message_id, exc)
        if outcome.delivery_id:
            await asyncio.to_thread(self._shown, outcome.delivery_id)

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.reply_to_message is None or message.from_user is None:
            return
        if message.reply_to_message.from_user is None or message.reply_to_message.from_user.id != self.bot.id:
            return
        text = message.text or ""
        replied = await asyncio.to_thread(self._replied, message)
        kind = replied[1] if replied else None
        decided = read_decision(text) if kind == "decision" else None
        if decided is not None:
            await self._decide_by_reply(message, decided)
            return
        # A bare "đã nhận" acknowledges a request for explanation (a comment and a receipt below).
        if replied and kind == "explain" and not only_acknowledges(text):
            await self._reply(message, await asyncio.to_thread(self._explain, message, replied[0]))
            return
        words = read_extension(message.text or "") if asks_extension(message.text or "") else None
        if words is not None and words.due is not None:  # without a date, "xin gia hạn" is a comment
            await self._reply(message, await asyncio.to_thread(self._request_extension, message, words))
            return
        recorded = await asyncio.to_thread(self._record_reply, message)
        if recorded:
            await self._reply(message, "Đã ghi nhận ý kiến của bạn.")

    def _replied(self, message: Message) -> tuple[int, str] | None:
        assert message.reply_to_message is not None
        with Session(self.engine) as session:
            return replied_to(session, CHANNEL, str(message.chat.id), str(message.reply_to_message.message_id))

    async def _decide_by_reply(self, message: Message, words: DecisionWords) -> None:
        """ "không đồng ý, lý do: …" in reply to leadership's question."""
        assert message.reply_to_message is not None
        chat, asked = str(message.chat.id), message.reply_to_message.message_id
        key = f"tg:msg:{message.chat.id}:{message.message_id}"
        person = _person(message.from_user)
        decision = await asyncio.to_thread(self._decide, chat, str(asked), None, words.approve, words.note, person, key)
        if decision is None:
            return
        await self._reply(message, decision.answer)
        if decision.line is not None:
            await self._show_decision(chat, asked, decision)

    def _explain(self, message: Message, delivery_id: int) -> str:
        """The unit's answer to the request for explanation it replied to."""
        key = f"tg:msg:{message.chat.id}:{message.message_id}"
        person = _person(message.from_user)
        said = answer_in_chat(self.office, delivery_id, message.text or "", person=person, external_id=key)
        return said or "Chưa ghi nhận giải trình."

    def _record_reply(self, message: Message) -> bool:
        assert message.reply_to_message is not None
        chat, replied_to = str(message.chat.id), str(message.reply_to_message.message_id)
        external = f"tg:msg:{message.chat.id}:{message.message_id}"
        return reply(self.office, CHANNEL, chat, replied_to, message.text or "", _person(message.from_user), external)

    def _request_extension(self, message: Message, words: ExtensionWords) -> str:
        """ "gia hạn 4.8 15/12/2026 lý do …" in reply to a digest: a request for that item."""
        assert message.reply_to_message is not None and words.due is not None
        with Session(self.engine) as session:
            sent = find_sent(session, CHANNEL, str(message.chat.id), str(message.reply_to_message.message_id))
        if sent is None:
            return "Hãy trả lời (reply) chính bản tin nhắc việc có nhiệm vụ cần gia hạn."
        person = _person(message.from_user)
        try:
            number, task = request_from_digest(
                self.office, sent.delivery_id, words.number, words.due, reason=words.reason, via=CHANNEL, by=person.name
            )
        except InputError as exc:
            return refused_answer(exc)
        return recorded_answer(number, task, words.due, self.policy)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        await asyncio.to_thread(self.migrate, str(message.chat.id), str(message.migrate_to_chat_id))

    def migrate(self, old: str, new: str) -> None:
        follow_chat(self.office, CHANNEL, old, new)
        log.info("telegram chat %s is now %s", old, new)


def _person(user: User | None) -> Person:
    if user is None:
        return Person("?", "?")
    return Person(str(user.id), user.full_name, user.username)
