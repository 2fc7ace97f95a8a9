"""The known unit a name not recognised most likely means: a suggestion for the office, never a
silent match (a plan from another authority names units this commune does not have)."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher

from notifier.text.folding import fold

# Above this likeness a name reads as a misspelling of the known one ("Sở Sở Công thương",
# "Phòng Kinh te"); below it, as another unit that merely shares words ("Sở Tài chính").
TYPO_LIKENESS = 0.85
SUGGEST_LIKENESS = 0.5


def likeness(a: str, b: str) -> float:
    """0..1 on the folded words (whole words: "doanh nghiệp" is not like "nông nghiệp"), a word
    written twice in a row counted once."""
    return SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def closest(name: str, known: Iterable[str]) -> tuple[str, float] | None:
    """The most alike known name and how alike, when it is alike enough to suggest."""
    scored = ((likeness(name, candidate), candidate) for candidate in known)
    best = max(scored, default=None)
    if best is None or best[0] < SUGGEST_LIKENESS:
        return None
    return best[1], best[0]


def _words(text: str) -> list[str]:
    words = fold(text).split()
    return [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
