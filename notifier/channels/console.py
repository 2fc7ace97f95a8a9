"""The console channel: used when no chat or email channel is configured, so the product shows
its real messages on the embedded default. It writes to standard output and, when a file is set
(NOTIFIER_CONSOLE_FILE), appends one JSON line per message there and syncs it to disk, which
lets it answer truthfully whether an interrupted send went out."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from notifier.channels.base import Channel, ChannelError, OnWire, Outbound, SendResult, nothing


class ConsoleChannel(Channel):
    name = "console"
    template_folder = "console"
    resend_when_unsure = True  # standard output: a repeat is harmless

    def __init__(self, file: Path | None = None, stream: TextIO | None = None) -> None:
        self.file = file
        self.stream = stream or sys.stdout

    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        await on_wire()
        try:
            await asyncio.to_thread(self._write, message)
        except OSError as exc:
            raise ChannelError(f"không ghi được: {exc}") from exc
        return SendResult(f"console:{message.key}")

    def _write(self, message: Outbound) -> None:
        if self.file is not None:
            self._append(message)  # the durable record first: a failure here shows nothing twice
        self.stream.write(f"\n{message.text}\n")
        self.stream.flush()

    def _append(self, message: Outbound) -> None:
        assert self.file is not None
        with self.file.open("a", encoding="utf-8") as out:
            out.write(
                json.dumps({"key": message.key, "target": message.target, "text": message.text}, ensure_ascii=False)
                + "\n"
            )
            out.flush()
            os.fsync(out.fileno())

    async def confirm(self, message: Outbound) -> bool | None:
        if self.file is None:
            return None
        return await asyncio.to_thread(self._written, message.key)

    def _written(self, key: str) -> bool:
        if not self.file or not self.file.exists():
            return False
        with self.file.open(encoding="utf-8") as lines:
            return any(json.loads(line).get("key") == key for line in lines if line.strip())
