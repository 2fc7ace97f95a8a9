"""Zalo Bot Platform: plain-text digests to a group or to each person of a unit, over HTTP (httpx).

`{ZALO_API_URL}/bot{ZALO_BOT_TOKEN}/{method}` with a JSON body. Every answer's ``ok`` is checked:
errors can come with HTTP 200. Messages are 1–2000 characters: longer digests are split between
items. There are no buttons: each digest carries codes ("#R12", "#R12-3") a reply can quote.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx

from notifier.channels.base import Channel, ChannelError, OnWire, Outbound, SendResult, nothing
from notifier.channels.ratelimit import Limit, RateLimiter
from notifier.channels.splitting import split_message

log = logging.getLogger("notifier.zalo")

MAX_TEXT = 2000
PER_CHAT = timedelta(seconds=1.1)
PER_BOT = timedelta(seconds=1.05)
BOT_PER_SECOND = 10
QUOTA_WAIT = 60.0
PERMANENT_CODES = {401, 403, 404}


class NothingNew(Exception):
    """getUpdates answered 408: no update waiting."""


class ZaloClient:
    def __init__(self, token: str, api_url: str, timeout: float = 15.0) -> None:
        self.base = f"{api_url.rstrip('/')}/bot{token}"
        self.http = httpx.AsyncClient(timeout=timeout)

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """The ``result`` of a call; ChannelError with a verdict otherwise (NothingNew for 408)."""
        try:
            response = await self.http.post(
                f"{self.base}/{method}", json=payload or {}, timeout=timeout or self.http.timeout
            )
        except httpx.ReadTimeout as exc:
            raise ChannelError(f"hết thời gian chờ Zalo trả lời (có thể đã gửi): {exc}", uncertain=True) from exc
        except httpx.HTTPError as exc:
            raise ChannelError(f"lỗi mạng: {exc}") from exc
        if response.status_code == 408:
            raise NothingNew
        body = _json(response)
        if response.status_code == 429 or body.get("error_code") == 429:
            raise ChannelError(f"429 {body.get('description', 'Quota exceeded')}", retry_after=QUOTA_WAIT)
        if body.get("ok") is True:
            return body.get("result")
        code = int(body.get("error_code") or response.status_code)
        description = str(body.get("description") or response.reason_phrase)
        raise ChannelError(f"{code} {description}", permanent=code in PERMANENT_CODES or 400 <= code < 500)

    async def close(self) -> None:
        await self.http.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"ok": False, "error_code": response.status_code, "description": response.text[:200]}
    return body if isinstance(body, dict) else {"ok": False, "description": "unexpected answer"}


def rate_limits(chat: str) -> list[Limit]:
    return [Limit(f"zalo:chat:{chat}", 1, PER_CHAT), Limit("zalo:bot", BOT_PER_SECOND, PER_BOT)]


class ZaloChannel(Channel):
    name = "zalo"
    template_folder = "zalo"
    concurrency = 4

    def __init__(self, client: ZaloClient, limiter: RateLimiter) -> None:
        self.client, self.limiter = client, limiter

    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        sent: list[tuple[str, str]] = []
        for index, part in enumerate(split_message(message.text, MAX_TEXT)):
            async with self.limiter.turn(rate_limits(message.target)):
                if index == 0:
                    await on_wire()
                result = await self.client.call("sendMessage", {"chat_id": message.target, "text": part})
            sent.append((message.target, str((result or {}).get("message_id", ""))))
        return SendResult(f"{message.target}:{','.join(m for _, m in sent)}", tuple(sent))
