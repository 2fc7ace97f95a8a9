"""Telegram: digests in unit groups, in HTML, with buttons; python-telegram-bot over the Bot API
at TELEGRAM_API_URL.

Limits are kept before sending (about 1 message a second per chat, 20 a minute per group, 30 a
second per bot) by the shared RateLimiter, so several processes stay within them together. Errors
map onto the one ChannelError: 403 and "chat not found" are permanent (the link is marked
broken), 429 waits ``retry_after``, a group that became a supergroup is followed, a read timeout
is "uncertain" (Telegram may have delivered: it is not sent again blindly).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta

os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, not the deprecated int

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from notifier.channels.base import Channel, ChannelError, OnWire, Outbound, SendResult, nothing
from notifier.channels.callbacks import CallbackSigner
from notifier.channels.ratelimit import Limit, RateLimiter
from notifier.channels.splitting import split_message

log = logging.getLogger("notifier.telegram")

MAX_TEXT = 4096
# The Bot API's documented limits: the limiter counts a turn from when its request completed, and
# slows down only after a 429 (see channels/ratelimit.py). A process killed mid-send leaves its
# turns in flight counted from when they were granted, not from when Telegram saw them: a chat's
# and a group's window keep a tenth of a second and a second for that flight (they never bound a
# flood's pace: 30 a second per bot does, and it is taken whole).
PER_CHAT = timedelta(seconds=1.1)
PER_GROUP = timedelta(seconds=61)
PER_BOT = timedelta(seconds=1)
BOT_PER_SECOND = 30
GROUP_PER_MINUTE = 20
DONE_BUTTONS_PER_ROW = 3

Migrate = Callable[[str, str], Awaitable[None]]


def rate_limits(chat: str, *, new_message: bool = True) -> list[Limit]:
    """The limits a request to ``chat`` falls under; an edit is not a new message in a group's quota."""
    limits = [Limit(f"tg:chat:{chat}", 1, PER_CHAT), Limit("tg:bot", BOT_PER_SECOND, PER_BOT)]
    if new_message and chat.startswith("-"):  # groups and supergroups have negative ids
        limits.append(Limit(f"tg:group:{chat}", GROUP_PER_MINUTE, PER_GROUP))
    return limits


def make_bot(token: str, api_url: str, *, read_timeout: float = 15.0, poll_timeout: float = 40.0) -> Bot:
    base = api_url.rstrip("/")
    return Bot(
        token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(connection_pool_size=32, read_timeout=read_timeout, connect_timeout=5.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=poll_timeout, connect_timeout=5.0),
    )


class TelegramChannel(Channel):
    name = "telegram"
    template_folder = "telegram"
    concurrency = 8
    # After a crash mid-send the Bot API cannot say whether a message arrived. Sending again risks a
    # duplicate (noted in the log); not sending risks a unit never hearing: the lesser harm wins.
    resend_when_unsure = True

    def __init__(self, bot: Bot, signer: CallbackSigner, limiter: RateLimiter, on_migrate: Migrate) -> None:
        self.bot, self.signer, self.limiter, self.on_migrate = bot, signer, limiter, on_migrate

    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        parts = split_message(message.text, MAX_TEXT)
        chat, sent = message.target, []
        for index, part in enumerate(parts):
            markup = self.keyboard(message) if index == len(parts) - 1 else None
            reply, chat = await self._send_part(chat, part, markup, on_wire if index == 0 else nothing)
            sent.append((chat, str(reply.message_id)))
        return SendResult(f"{chat}:{','.join(m for _, m in sent)}", tuple(sent), chat)

    async def _send_part(
        self, chat: str, text: str, markup: InlineKeyboardMarkup | None, on_wire: OnWire
    ) -> tuple[Message, str]:
        for _ in range(2):  # a second time only after following a supergroup migration
            async with self.limiter.turn(rate_limits(chat)):
                await on_wire()
                try:
                    reply = await self.bot.send_message(
                        chat_id=int(chat),
                        text=text,
                        parse_mode="HTML",
                        reply_markup=markup,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                    )
                    return reply, chat
                except ChatMigrated as exc:
                    new = str(exc.new_chat_id)
                    log.info("chat %s became supergroup %s: following it", chat, new)
                    await self.on_migrate(chat, new)
                    chat = new
                except TelegramError as exc:
                    raise verdict(exc) from exc
        raise ChannelError("nhóm đổi mã liên tiếp hai lần", permanent=False)

    def keyboard(
        self,
        message: Outbound,
        *,
        received: bool = False,
        snoozed: bool = False,
        finished: frozenset[int] = frozenset(),
    ) -> InlineKeyboardMarkup | None:
        if message.kind in ("summary", "explain", "explanation"):
            return None  # read-only, or answered by a reply
        if message.kind == "decision":
            return self._decision_keyboard(message)
        rows: list[list[InlineKeyboardButton]] = []
        top = []
        if not received:
            top.append(InlineKeyboardButton("✅ Đã nhận", callback_data=self.signer.encode("r", message.delivery_id)))
        if not snoozed and message.kind == "reminder":
            top.append(
                InlineKeyboardButton("⏰ Nhắc lại sau", callback_data=self.signer.encode("s", message.delivery_id))
            )
        if message.kind == "reminder" and any(item.can_finish for item in message.items):
            extend = self.signer.encode("e", message.delivery_id)
            top.append(InlineKeyboardButton("📅 Xin gia hạn", callback_data=extend))
        if top:
            rows.append(top)
        items = self._item_buttons(message, finished)
        rows += [items[i : i + DONE_BUTTONS_PER_ROW] for i in range(0, len(items), DONE_BUTTONS_PER_ROW)]
        return InlineKeyboardMarkup(rows) if rows else None

    def _item_buttons(self, message: Outbound, finished: frozenset[int]) -> list[InlineKeyboardButton]:
        """One button per item: "Xong N" on a unit's reminder, "Giải trình N" on an escalation
        (leadership asks that item's unit why it is late)."""
        sign = self.signer.encode
        if message.kind == "leadership":
            return [
                InlineKeyboardButton(f"❓ Giải trình {item.number}", callback_data=sign("x", message.delivery_id, i))
                for i, item in enumerate(message.items)
            ]
        if message.kind != "reminder":
            return []
        return [
            InlineKeyboardButton(f"✔️ Xong {item.number}", callback_data=sign("d", message.delivery_id, i))
            for i, item in enumerate(message.items)
            if item.can_finish and i not in finished
        ]

    def _decision_keyboard(self, message: Outbound) -> InlineKeyboardMarkup:
        approve = self.signer.encode("a", message.delivery_id)
        reject = self.signer.encode("j", message.delivery_id)
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("✅ Đồng ý", callback_data=approve),
                    InlineKeyboardButton("❌ Không đồng ý", callback_data=reject),
                ]
            ]
        )


#: Phrases of the Bot API's 400 answers that are about the chat itself, not about one message.
CHAT_GONE = (
    "chat not found",
    "kicked",
    "blocked",
    "deactivated",
    "not a member",
    "bot was",
    "have no rights to send",
    "need administrator rights",
    "group chat was upgraded",
    "peer_id_invalid",
)


def verdict(exc: TelegramError) -> ChannelError:
    """The Bot API's error as our verdict: permanent, retry after a wait, or uncertain."""
    text = str(exc)
    if isinstance(exc, RetryAfter):
        wait = exc._retry_after.total_seconds()  # the timedelta PTB keeps; its public form is deprecated
        return ChannelError(f"429 Telegram yêu cầu chờ {wait:.0f} giây", retry_after=max(wait, 1.0))
    if isinstance(exc, Forbidden):
        return ChannelError(f"403 {text}", permanent=True)
    if isinstance(exc, TimedOut):
        return ChannelError(f"hết thời gian chờ Telegram trả lời (có thể đã gửi): {text}", uncertain=True)
    if isinstance(exc, BadRequest):
        # Only an error about the chat breaks its link; one about this message's text ("can't
        # parse entities", too long) fails this delivery alone and the group keeps receiving.
        about_chat = any(phrase in text.lower() for phrase in CHAT_GONE)
        return ChannelError(f"400 {text}", permanent=True, breaks_link=about_chat)
    if isinstance(exc, NetworkError):
        return ChannelError(f"lỗi mạng: {text}")
    return ChannelError(text)
