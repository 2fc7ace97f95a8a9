"""A leadership decision written in a chat, in either bot: "đồng ý", "không đồng ý, lý do: …"
(on Zalo after the request's code: "#R15 không đồng ý lý do chưa có báo cáo"). The note keeps its
words as written."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from notifier.text.folding import strip_marks

# Anchored at the start (after @mentions and the code): "xong" or "ok" inside a reason must not
# turn a refusal into another answer, and a sentence that merely contains "đồng ý" is a comment.
_DECISION = re.compile(
    r"^\s*(?:@\S+\s+)*(?:#\s*r\s*\d+\s*)?(khong\s+dong\s+y|khong\s+duyet|dong\s+y|duyet)(?=\W|$)"
    r"[\s,.:;!-]*(?:ly\s+do\b\s*:?\s*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DecisionWords:
    approve: bool
    note: str


def read_decision(text: str) -> DecisionWords | None:
    written = unicodedata.normalize("NFC", text)
    plain = strip_marks(written)
    found = _DECISION.match(plain)
    if found is None:
        return None
    # Folding keeps one character per NFC character for Vietnamese, so the span maps back.
    rest = written[found.end() :] if len(plain) == len(written) else plain[found.end() :]
    return DecisionWords(not found.group(1).lower().startswith("khong"), rest.strip())
