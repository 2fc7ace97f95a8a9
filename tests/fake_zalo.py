"""A local Zalo Bot Platform server for the tests, on 127.0.0.1, behaving like the documented one:
the token in the path, JSON bodies, ``ok: false`` errors with HTTP 200, getUpdates giving one
update per call and HTTP 408 when nothing is waiting, 429 "Quota exceeded", the 1–2000 character
limit, group and private chats, quote-replies and @mentions, a bot blocked by a user."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.servers import start


@dataclass
class ZaloSent:
    message_id: str
    chat_id: str
    text: str
    at: float


class FakeZalo:
    def __init__(self, token: str = "1459232241454765289:test-zalo-token") -> None:
        self.token = token
        self.lock = threading.Lock()
        self.chats: dict[str, str] = {}  # id -> PRIVATE or GROUP
        self.blocked: set[str] = set()
        self.sent: dict[str, list[ZaloSent]] = defaultdict(list)
        self.updates: deque[dict[str, Any]] = deque()
        self.quota_left: int | None = None
        self.rate_errors = 0
        self._last: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._stop: Callable[[], None] = lambda: None
        self.url = ""

    def start(self) -> str:
        self.url, self._stop = start(
            Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["POST", "GET"])])
        )
        return self.url

    def stop(self) -> None:
        self._stop()

    # -- the people's side ------------------------------------------------------------------

    def add_chat(self, chat_id: str, kind: str = "GROUP") -> None:
        with self.lock:
            self.chats[chat_id] = kind

    def say(self, chat_id: str, text: str, user: dict[str, Any], quote: str | None = None) -> str:
        with self.lock:
            message_id = f"in{next(self._ids)}"
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time() * 1000),
                "text": text,
                "chat": {"id": chat_id, "chat_type": self.chats[chat_id]},
                "from": user,
            }
            if quote is not None:
                original = next(m for m in self.sent[chat_id] if m.message_id == quote)
                message["quote"] = {"message_id": original.message_id, "text": original.text[:200]}
            self.updates.append({"event_name": "message.text.received", "message": message})
        return message_id

    def texts(self, chat_id: str) -> list[str]:
        with self.lock:
            return [m.text for m in self.sent[chat_id]]

    def messages(self, chat_id: str) -> list[ZaloSent]:
        with self.lock:
            return list(self.sent[chat_id])

    # -- the Bot API ------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")  # errors come with HTTP 200: the body says ok=false
        body = await request.body()
        params: dict[str, Any] = (await request.json()) if body else {}
        method = request.path_params["method"]
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "getMe":
            return JSONResponse(
                {
                    "ok": True,
                    "result": {
                        "id": "1459232241454765289",
                        "account_name": "bot.NhacViec",
                        "account_type": "BASIC",
                        "can_join_groups": True,
                    },
                }
            )
        if method == "sendMessage":
            return self._send(params)
        return _error(404, "Method not found")

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self.lock:
                if self.updates:
                    return JSONResponse({"ok": True, "result": self.updates.popleft()})  # one update per call
            if time.monotonic() >= deadline:
                return JSONResponse({"ok": False, "error_code": 408, "description": "Request timeout"}, status_code=408)
            with contextlib.suppress(TimeoutError):
                await asyncio.sleep(0.05)

    def _send(self, params: dict[str, Any]) -> JSONResponse:
        chat, text = str(params.get("chat_id", "")), str(params.get("text", ""))
        with self.lock:
            if self.quota_left is not None:
                if self.quota_left <= 0:
                    return JSONResponse(
                        {"ok": False, "error_code": 429, "description": "Quota exceeded"}, status_code=429
                    )
                self.quota_left -= 1
            if chat not in self.chats:
                return _error(404, "Chat not found")
            if chat in self.blocked:
                return _error(403, "Bot is blocked by user")
            if not 1 <= len(text) <= 2000:
                return _error(400, "Text length must be between 1 and 2000 characters")
            now = time.time()
            if now - self._last.get(chat, 0) < 1.0:
                self.rate_errors += 1
                return JSONResponse(
                    {"ok": False, "error_code": 429, "description": "Too many requests"}, status_code=429
                )
            self._last[chat] = now
            sent = ZaloSent(f"out{next(self._ids)}", chat, text, now)
            self.sent[chat].append(sent)
            return JSONResponse({"ok": True, "result": {"message_id": sent.message_id, "date": int(now * 1000)}})


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description})


def zalo_user(uid: str, name: str) -> dict[str, Any]:
    return {"id": uid, "display_name": name}
