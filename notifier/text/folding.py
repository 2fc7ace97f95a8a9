"""Vietnamese text folding: one comparable form for names written many ways.

Real documents mix NFC and NFD, old and new tone placement (Uỷ/Ủy, hoà/hòa),
upper and lower case, and abbreviations (UBND, HĐND, MTTQ, KH&CN). Folding
removes every diacritic, so tone placement and normalisation no longer matter,
and expands the abbreviations offices use so that "UBND xã" and
"Ủy ban nhân dân xã" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Folded token sequences and what they stand for. Longest match wins.
_ABBREVIATIONS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("ubnd",): ("uy", "ban", "nhan", "dan"),
    ("hdnd",): ("hoi", "dong", "nhan", "dan"),
    ("ubmttq",): ("uy", "ban", "mat", "tran", "to", "quoc"),
    ("mttq",): ("mat", "tran", "to", "quoc"),
    ("ubkt",): ("uy", "ban", "kiem", "tra"),
    ("ub",): ("uy", "ban"),
    ("tp",): ("thanh", "pho"),
    ("kh", "cn"): ("khoa", "hoc", "va", "cong", "nghe"),
    ("khcn",): ("khoa", "hoc", "va", "cong", "nghe"),
    ("vh", "xh"): ("van", "hoa", "xa", "hoi"),
    ("vhxh",): ("van", "hoa", "xa", "hoi"),
    ("qui",): ("quy",),
}
_LONGEST_ABBREVIATION = max(len(k) for k in _ABBREVIATIONS)


def strip_marks(text: str) -> str:
    """Lowercase text without diacritics; đ becomes d."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D").lower()


@dataclass(frozen=True)
class Token:
    """A folded word and the span of the original text it came from."""

    folded: str
    start: int
    end: int


def raw_tokens(text: str) -> list[Token]:
    """Words of ``text`` (NFC), each folded, with spans into the NFC text."""
    return [Token(strip_marks(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def tokens(text: str) -> list[Token]:
    """Folded tokens with abbreviations expanded; expansions keep the source span."""
    words = raw_tokens(text)
    out: list[Token] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_ABBREVIATION, len(words) - i), 0, -1):
            key = tuple(w.folded for w in words[i : i + size])
            if key in _ABBREVIATIONS:
                start, end = words[i].start, words[i + size - 1].end
                out.extend(Token(part, start, end) for part in _ABBREVIATIONS[key])
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The comparable form of ``text``: folded words joined by single spaces (cached: names repeat)."""
    return " ".join(t.folded for t in tokens(nfc(text)))


def literal_fold(text: str) -> str:
    """Folded words as written, abbreviations not expanded: "Phòng VH-XH" stays apart from
    "Phòng Văn hóa - Xã hội", so that an office's alias for the one leaves the other alone."""
    return " ".join(t.folded for t in raw_tokens(nfc(text)))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_spaces(text: str) -> str:
    """NFC text with runs of spaces and tabs collapsed and ends trimmed, line breaks kept."""
    lines = [" ".join(line.split()) for line in nfc(text).splitlines()]
    return "\n".join(line for line in lines if line).strip()
