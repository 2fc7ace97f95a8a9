"""An extension request written in a chat, in either bot: "gia hạn 15/12/2026 lý do chờ kinh phí",
with the item's number before the date on Telegram ("gia hạn 4.8 15/12/2026 …"). The reason keeps
its words as written; without a date the words are a comment, not a request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from notifier.text.folding import strip_marks

ASKS = re.compile(r"(?:^|\s)gia\s+han(?:\s|$)", re.IGNORECASE)
DAY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
REASON = re.compile(r"\bl[ýyíi]\s+do\b\s*:?\s*(.*)$", re.IGNORECASE | re.DOTALL)
NUMBER = re.compile(r"gia\s+han\s+(?:muc\s+|nhiem\s+vu\s+)?([0-9IVXivx]+(?:\.[0-9A-Za-z]+)*)\s", re.IGNORECASE)
EXAMPLE = "gia hạn 4.8 15/12/2026 lý do chờ kinh phí"


@dataclass(frozen=True)
class ExtensionWords:
    due: date | None
    reason: str
    number: str | None  # the item's task number, where the text names one


def asks_extension(text: str) -> bool:
    return bool(ASKS.search(strip_marks(text)))


def read_extension(text: str) -> ExtensionWords:
    plain = strip_marks(text)
    found = DAY.search(plain)
    try:
        day = date(int(found.group(3)), int(found.group(2)), int(found.group(1))) if found else None
    except ValueError:
        day = None
    reason = REASON.search(text)
    number = NUMBER.search(plain + " ")
    named = number.group(1) if number and not DAY.fullmatch(number.group(1)) else None
    return ExtensionWords(day, reason.group(1).strip() if reason else "", named)

