"""Opaque, signed button data (Telegram allows 64 bytes): an action bound to one delivery.

"r" acknowledges the digest, "s" snoozes it a working day, "d" reports item N done, "e" asks how
to request more time; "a" and "j" approve and reject the extension request a leadership message
asks about; "x" asks the unit of escalated item N to explain. The HMAC
(NOTIFIER_SECRET_KEY) makes forged data fail; binding to the delivery makes data from another
message, or another chat, useless.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notifier.channels.signing import CompactSigner

ACTIONS = {"r": "received", "s": "snooze", "d": "done", "e": "extend", "a": "approve", "j": "reject", "x": "explain"}
_FORMAT = re.compile(r"^([rsdeajx])(\d{1,12})\.(\d{0,3})\.([A-Za-z0-9_-]{16})$")


class ForgedCallback(ValueError):
    """The data was not made by this service, or was altered."""


@dataclass(frozen=True)
class Press:
    action: str
    delivery_id: int
    item: int | None


class CallbackSigner:
    def __init__(self, secret: str) -> None:
        self._signer = CompactSigner(secret, "notifier-callback", 16)  # the 64-byte limit

    def encode(self, action: str, delivery_id: int, item: int | None = None) -> str:
        payload = f"{action}{delivery_id}.{'' if item is None else item}"
        data = f"{payload}.{self._signer.signature(payload)}"
        assert len(data.encode()) <= 64
        return data

    def decode(self, data: str) -> Press:
        m = _FORMAT.match(data or "")
        if not m:
            raise ForgedCallback("malformed")
        payload = f"{m.group(1)}{m.group(2)}.{m.group(3)}"
        if not self._signer.valid(payload, m.group(4)):
            raise ForgedCallback("bad signature")
        return Press(ACTIONS[m.group(1)], int(m.group(2)), int(m.group(3)) if m.group(3) else None)
