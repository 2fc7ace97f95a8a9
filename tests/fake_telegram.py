"""A local Telegram Bot API server for the tests, on 127.0.0.1, behaving like Telegram where it
matters: the token in the path, update offsets and long polling, 409 for a second poller, group
and supergroup chats, inline keyboards and callback queries, message edits and replies, flood
control answering 429 with retry_after (1 message a second per chat, 20 a minute per group, 30 a
second per bot), 400 for malformed HTML, over-long text and oversized button data, 403 for a bot
removed from its group, and 400 with migrate_to_chat_id for a group upgraded to a supergroup.

Tests drive the people's side (a message, a press, a reply) through its methods; the server runs
in a thread of its own with uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.servers import start

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Nhắc việc", "username": "nhacviec_bot"}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "blockquote",
    "span",
}
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*)>")
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
JSON_FIELDS = {"reply_markup", "allowed_updates", "link_preview_options", "reply_parameters"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Chat:
    id: int
    type: str
    title: str
    member: bool = True
    migrated_to: int | None = None

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class Sent:
    message_id: int
    chat_id: int
    text: str
    html: str
    reply_markup: dict[str, Any] | None
    at: float
    edits: list[str] = field(default_factory=list)

    def json(self, chat: Chat) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(self.at),
            "chat": chat.json(),
            "from": BOT_USER,
            "text": self.text,
        }
        if self.reply_markup:
            body["reply_markup"] = self.reply_markup
        return body

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b["callback_data"]) for row in rows for b in row]

    def delivery(self) -> int | None:
        """The delivery a digest's buttons are bound to (their data starts "r12." etc.): how tests
        tell digests apart, since a Telegram digest carries no code in its text."""
        bound = (re.match(r"^[rsd](\d+)\.", data) for _, data in self.buttons())
        return next((int(m.group(1)) for m in bound if m), None)


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.lock = threading.Lock()
        self.chats: dict[int, Chat] = {}
        self.sent: dict[int, list[Sent]] = defaultdict(list)
        self.updates: deque[dict[str, Any]] = deque()
        self.answers: dict[str, str] = {}
        self.flood_errors = 0
        self.forced_429: dict[int, int] = {}
        # Fault injection: errors answered to the next sends to a chat, answers that cannot be read,
        # a delay before answering a send, and getUpdates answered at once (a misbehaving server).
        self.scripted: dict[int, deque[tuple[int, str]]] = defaultdict(deque)
        self.garbled: set[int] = set()
        self.send_delay = 0.0
        self.polls_return_at_once = False
        self.get_updates_calls = 0
        self._chat_times: dict[int, deque[float]] = defaultdict(deque)
        self._bot_times: deque[float] = deque()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._poll: asyncio.Event | None = None
        self._poll_generation = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: Callable[[], None] = lambda: None
        self.url = ""

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> str:
        self.url, self._stop = start(
            Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        )
        return self.url

    def stop(self) -> None:
        self._stop()

    # -- the people's side ------------------------------------------------------------------

    def add_chat(self, chat_id: int, title: str, kind: str = "group") -> None:
        with self.lock:
            self.chats[chat_id] = Chat(chat_id, kind, title)

    def kick(self, chat_id: int) -> None:
        with self.lock:
            self.chats[chat_id].member = False

    def migrate(self, chat_id: int, new_id: int) -> None:
        """The group becomes a supergroup; Telegram also posts a service message in the old group."""
        with self.lock:
            old = self.chats[chat_id]
            old.migrated_to = new_id
            self.chats[new_id] = Chat(new_id, "supergroup", old.title)
        self._push(
            {
                "message": {
                    "message_id": next(self._ids),
                    "date": int(time.time()),
                    "chat": old.json(),
                    "from": _user(1),
                    "migrate_to_chat_id": new_id,
                }
            }
        )

    def say(self, chat_id: int, text: str, user: dict[str, Any], reply_to: int | None = None) -> None:
        with self.lock:
            chat = self.chats[chat_id]
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": chat.json(),
                "from": user,
                "text": text,
            }
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            if reply_to is not None:
                original = next(m for m in self.sent[chat_id] if m.message_id == reply_to)
                message["reply_to_message"] = original.json(chat)
        self._push({"message": message})

    def press(self, chat_id: int, message_id: int, data: str, user: dict[str, Any], shown_in: int | None = None) -> str:
        """Someone presses a button; ``shown_in`` fakes the message being seen in another chat."""
        with self.lock:
            original = next(m for m in self.sent[chat_id] if m.message_id == message_id)
            chat = self.chats[shown_in if shown_in is not None else chat_id]
            callback_id = f"cb{next(self._callback_ids)}"
            query = {
                "id": callback_id,
                "from": user,
                "chat_instance": f"ci{chat.id}",
                "data": data,
                "message": original.json(chat),
            }
        self._push({"callback_query": query})
        return callback_id

    def force_429(self, chat_id: int, retry_after: int) -> None:
        with self.lock:
            self.forced_429[chat_id] = retry_after

    def messages(self, chat_id: int) -> list[Sent]:
        with self.lock:
            return list(self.sent[chat_id])

    def pending_updates(self) -> int:
        with self.lock:
            return len(self.updates)

    def _push(self, update: dict[str, Any]) -> None:
        with self.lock:
            update["update_id"] = next(self._update_ids)
            self.updates.append(update)
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- the Bot API ------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        self._loop = asyncio.get_running_loop()
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        params = await _params(request)
        method = request.path_params["method"]
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, status_code=404)
        try:
            result = await handler(params)
        except ApiError as exc:
            body: dict[str, Any] = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            return JSONResponse(body, status_code=exc.code)
        return JSONResponse({"ok": True, "result": result})

    async def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    async def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        with self.lock:
            if self.scripted[chat_id]:
                code, description = self.scripted[chat_id].popleft()
                parameters = {"retry_after": 1} if code == 429 else None
                raise ApiError(code, description, parameters)
            chat = self._usable_chat(chat_id)
            self._flood_check(chat)
            plain = _check_text(text, params.get("parse_mode"))
            markup = _check_markup(params.get("reply_markup"))
            sent = Sent(next(self._ids), chat_id, plain, text, markup, time.time())
            self.sent[chat_id].append(sent)
            garbled = chat_id in self.garbled
            self.garbled.discard(chat_id)
        if self.send_delay:
            await asyncio.sleep(self.send_delay)  # the message is in the chat; the answer is late
        if garbled:
            return {"unexpected": "shape"}  # not a Message: the client cannot read the answer
        return sent.json(chat)

    async def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self.lock:
            chat = self._usable_chat(chat_id)
            message = next((m for m in self.sent[chat_id] if m.message_id == message_id), None)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            text = str(params.get("text", ""))
            plain = _check_text(text, params.get("parse_mode"))
            message.edits.append(text)
            message.text, message.html = plain, text
            message.reply_markup = _check_markup(params.get("reply_markup"))
            return message.json(chat)

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        with self.lock:
            self.answers[str(params["callback_query_id"])] = str(params.get("text", ""))
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = 0.0 if self.polls_return_at_once else float(params.get("timeout") or 0)
        self.get_updates_calls += 1
        mine = self._take_poll()
        with self.lock:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()  # confirmed by the offset
        deadline = time.monotonic() + timeout
        if self._wake is None:
            self._wake = asyncio.Event()  # made in the server's own loop; _push sets it from other threads
        while True:
            self._wake.clear()
            with self.lock:
                if self._poll_generation != mine:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                ready = [u for u in self.updates if u["update_id"] >= offset][: int(params.get("limit") or 100)]
            left = deadline - time.monotonic()
            if ready or left <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(left, 0.5))

    def _take_poll(self) -> int:
        with self.lock:
            self._poll_generation += 1  # an older long poll still waiting now ends with 409
            return self._poll_generation

    def _usable_chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if not chat.member:
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        return chat

    def _flood_check(self, chat: Chat) -> None:
        now = time.time()
        forced = self.forced_429.pop(chat.id, None)
        if forced is not None:
            raise ApiError(429, f"Too Many Requests: retry after {forced}", {"retry_after": forced})
        times, bot = self._chat_times[chat.id], self._bot_times
        while times and now - times[0] > 60:
            times.popleft()
        while bot and now - bot[0] > 1:
            bot.popleft()
        too_fast = bool(times) and now - times[-1] < 1.0
        group_full = chat.type != "private" and len(times) >= 20
        bot_full = len(bot) >= 30
        if too_fast or group_full or bot_full:
            self.flood_errors += 1
            wait = 1 if too_fast else int(60 - (now - times[0])) + 1 if group_full else 1
            raise ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        times.append(now)
        bot.append(now)


def _user(uid: int, name: str = "Nguyễn Văn A", username: str | None = "nva") -> dict[str, Any]:
    user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": name}
    if username:
        user["username"] = username
    return user


def person(uid: int, name: str, username: str | None = None) -> dict[str, Any]:
    first, _, last = name.rpartition(" ")
    user: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first or last}
    if first:
        user["last_name"] = last
    if username:
        user["username"] = username
    return user


async def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        return json.loads(body) if body else {}
    form = await request.form()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        params[key] = json.loads(text) if key in JSON_FIELDS else text
    return params


def _check_text(text: str, parse_mode: Any) -> str:
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = _strip_html(text) if parse_mode == "HTML" else text
    if len(plain) > 4096:
        raise ApiError(400, "Bad Request: message is too long")
    return plain


def _strip_html(text: str) -> str:
    """Validate Telegram HTML the way the Bot API does and return the visible text."""
    stack: list[str] = []
    position = 0
    out: list[str] = []
    for m in TAG.finditer(text):
        out.append(_check_entities(text[position : m.start()], position))
        closing, name = m.group(1) == "/", m.group(2).lower()
        if name not in ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {m.start()}'
            )
        if closing:
            if not stack or stack.pop() != name:
                raise ApiError(400, f"Bad Request: can't parse entities: Unexpected end tag at byte offset {m.start()}")
        else:
            stack.append(name)
        position = m.end()
    out.append(_check_entities(text[position:], position))
    if stack:
        raise ApiError(
            400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    return html.unescape("".join(out))


def _check_entities(chunk: str, offset: int) -> str:
    if "<" in chunk or ">" in chunk:
        raise ApiError(400, f"Bad Request: can't parse entities: unexpected character near byte offset {offset}")
    for m in re.finditer(r"&", chunk):
        if not ENTITY.match(chunk, m.start()):
            raise ApiError(
                400, f"Bad Request: can't parse entities: Character entity expected at byte offset {offset + m.start()}"
            )
    return chunk


def _check_markup(markup: Any) -> dict[str, Any] | None:
    if not markup:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return dict(markup)
