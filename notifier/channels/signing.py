"""The service's signatures: HMAC-SHA256 under NOTIFIER_SECRET_KEY, by itsdangerous.

Three things are signed, each under its own purpose (so one can never stand for another): the
office's session cookies, the acknowledgement links in emails and the Telegram buttons' data. The
key for a purpose is sha256(purpose + ":" + secret) (itsdangerous's "concat" derivation), which is
the key notifier has always used: sessions, links already in inboxes and buttons already in chats
stay valid across the upgrade.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadSignature, Signer

__all__ = ["BadSignature", "CompactSigner", "signer"]


def signer(secret: str, purpose: str, sep: str = ".") -> Signer:
    """An itsdangerous Signer for one purpose: ``sign(value)`` gives ``value{sep}signature``."""
    return Signer(secret, salt=f"{purpose}:", sep=sep, key_derivation="concat", digest_method=hashlib.sha256)


class CompactSigner:
    """A signature cut to ``length`` characters, for data that must stay short: Telegram allows a
    button 64 bytes of data, and an acknowledgement link should fit a line of an email. 16
    characters keep 96 bits of the HMAC, 22 keep 132: far beyond guessing, with every try a
    request we see. itsdangerous verifies whole signatures only, so the cut one is compared here,
    in constant time."""

    def __init__(self, secret: str, purpose: str, length: int) -> None:
        self._signer, self._length = signer(secret, purpose), length

    def signature(self, value: str) -> str:
        return self._signer.get_signature(value).decode()[: self._length]

    def valid(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(value).encode(), signature.encode())
