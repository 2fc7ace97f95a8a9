"""Signed, expiring acknowledgement links, bound to one delivery and its recipient.

The token carries the delivery id and the expiry; the signature (NOTIFIER_SECRET_KEY) covers
both and the recipient's address, so a link cannot be altered, moved to another delivery, or
kept past its time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from notifier.channels.signing import CompactSigner

_TOKEN = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


class BadLink(ValueError):
    """Forged, altered or malformed."""


class ExpiredLink(ValueError):
    """Genuine but past its time."""


@dataclass(frozen=True)
class LinkClaim:
    delivery_id: int
    expires: datetime


class AckLinks:
    def __init__(self, secret: str, base_url: str, lifetime: timedelta) -> None:
        self._signer = CompactSigner(secret, "notifier-ack-link", 22)
        self.base_url, self.lifetime = base_url.rstrip("/"), lifetime

    def token(self, delivery_id: int, recipient: str, created_at: datetime) -> str:
        expires = int((created_at + self.lifetime).timestamp())
        return f"{delivery_id}.{expires}.{self._signer.signature(self._payload(delivery_id, expires, recipient))}"

    def url(self, delivery_id: int, recipient: str, created_at: datetime) -> str:
        return f"{self.base_url}/xac-nhan/{self.token(delivery_id, recipient, created_at)}"

    @staticmethod
    def claim(token: str) -> LinkClaim:
        """What a token says, before its signature is checked against the delivery's recipient."""
        m = _TOKEN.match(token)
        if not m:
            raise BadLink("malformed")
        return LinkClaim(int(m.group(1)), datetime.fromtimestamp(int(m.group(2)), tz=UTC))

    def verify(self, token: str, recipient: str, now: datetime) -> LinkClaim:
        claim = self.claim(token)
        if not self._signer.valid(
            self._payload(claim.delivery_id, int(claim.expires.timestamp()), recipient), token.rsplit(".", 1)[1]
        ):
            raise BadLink("bad signature")
        if now >= claim.expires:
            raise ExpiredLink(f"expired at {claim.expires.isoformat()}")
        return claim

    @staticmethod
    def _payload(delivery_id: int, expires: int, recipient: str) -> str:
        return f"{delivery_id}:{expires}:{recipient.strip().lower()}"
