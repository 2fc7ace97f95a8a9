"""The words that say "received" in either bot ("đã nhận", "ok", "rõ"…, with or without
diacritics), and whether a message says nothing else: such a reply to a request for explanation
acknowledges the request, it does not explain anything."""

from __future__ import annotations

import re

from notifier.text.folding import strip_marks

RECEIVED = ("da nhan", "nhan", "ok", "oke", "okay", "da xem", "ro", "da ro")
_NOISE = re.compile(r"#\s*r\s*\d+(?:\s*-\s*\d+)?|@\S+|[,.!:;]")


def only_acknowledges(text: str) -> bool:
    """True when the text, without codes, mentions and punctuation, is just a "received" word."""
    words = " ".join(_NOISE.sub(" ", strip_marks(text)).split())
    return words in RECEIVED
