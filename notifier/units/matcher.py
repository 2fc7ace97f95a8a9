"""Find the units named in a catalogue cell.

A cell may hold several units separated by commas, semicolons or only a line
break, group phrases, and free text around them ("Phòng Văn hóa - Xã hội tổng
hợp, theo dõi chung; đề nghị ..."). Known names and aliases are found as folded
token runs, longest first. What is left is split into fragments: a fragment that
starts like a unit name ("Sở ...", "Ban ...") is kept as an unresolved unit,
exactly as written; the rest is the cell's note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from notifier.text.folding import Token, clean_spaces, fold, literal_fold, nfc, raw_tokens, tokens

# Folded first words of a unit name; fragments starting otherwise are free text.
_HEADS = {
    ("so",),
    ("bo",),
    ("ban",),
    ("phong",),
    ("trung", "tam"),
    ("uy", "ban"),
    ("van", "phong"),
    ("cong", "an"),
    ("vien",),
    ("cac",),
    ("doanh", "nghiep"),
    ("hoi",),
    ("doan",),
    ("thon",),
    ("chi", "cuc"),
    ("cuc",),
    ("tong", "cong", "ty"),
    ("cong", "ty"),
    ("hop", "tac", "xa"),
    ("dang", "uy"),
    ("mat", "tran"),
    ("truong",),
    ("tram",),
    ("quan", "doi"),
    ("bch",),
}
_CONNECTORS = re.compile(r"^(?:và|với|cùng|đề nghị|phối hợp với)\s+", re.IGNORECASE)
# A unit name that starts again with no separator ("Sở Khoa học và Công nghệ Sở Công Thương").
_RESTART = re.compile(r"\s+(?=(?:Sở|Bộ|Công an|Các)\s)")


@dataclass(frozen=True)
class UnitRef:
    """One unit mention: ``target`` is the canonical unit or group name, None when unresolved."""

    written: str
    target: str | None


@dataclass(frozen=True)
class CellUnits:
    refs: tuple[UnitRef, ...]
    note: str


class UnitMatcher:
    def __init__(self, names: Iterable[tuple[str, str]], overrides: Iterable[tuple[str, str]] = ()) -> None:
        """``names``: (written form, canonical name) pairs; aliases included. ``overrides``: the
        office's own aliases, matched as written (abbreviations not expanded) before anything else:
        a name the office assigned belongs to that unit, whatever the automatic rules would say."""
        self._index: dict[tuple[str, ...], str] = {}
        for written, canonical in names:
            for variant in _variants(fold(written)):
                self._index.setdefault(variant, canonical)
        self._longest = max((len(k) for k in self._index), default=1)
        self._overrides: dict[tuple[str, ...], str] = {}
        for written, canonical in overrides:
            for variant in _variants(literal_fold(written)):
                self._overrides[variant] = canonical
        self._longest_override = max((len(k) for k in self._overrides), default=0)
        self._matched: dict[str, CellUnits] = {}  # a plan names the same units in cell after cell

    def match(self, cell: str) -> CellUnits:
        if cell not in self._matched:
            self._matched[cell] = self._match(cell)
        return self._matched[cell]

    def _match(self, cell: str) -> CellUnits:
        text = nfc(cell)
        claimed = self._overridden(raw_tokens(text))
        found = sorted(claimed + [f for f in self._known(tokens(text)) if not _overlaps(f, claimed)])
        refs: list[UnitRef] = []
        notes: list[str] = []
        cursor = 0
        for start, end, target in found:
            self._leftover(text[cursor:start], refs, notes)
            refs.append(UnitRef(clean_spaces(text[start:end]), target))
            cursor = end
        self._leftover(text[cursor:], refs, notes)
        return CellUnits(_unique(refs), "; ".join(notes))

    def resolve(self, written: str) -> str | None:
        """The canonical name for a whole name as written, if known."""
        override = self._overrides.get(tuple(literal_fold(written).split()))
        return override or self._index.get(tuple(fold(written).split()))

    def _overridden(self, words: list[Token]) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words) and self._overrides:
            for size in range(min(self._longest_override, len(words) - i), 0, -1):
                target = self._overrides.get(tuple(w.folded for w in words[i : i + size]))
                if target is not None:
                    found.append((words[i].start, words[i + size - 1].end, target))
                    i += size
                    break
            else:
                i += 1
        return found

    def _known(self, toks: list[Token]) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        i = 0
        while i < len(toks):
            size, target = self._longest_at(toks, i)
            doubled = target is None and self._doubled_at(toks, i)
            if doubled:  # "Sở Sở Công thương": a word typed twice is the name typed once
                size, target = self._longest_at(toks, i + 1)
                size += 1 if target is not None else 0
            if target is None:
                i += 1
                continue
            found.append((toks[i].start, toks[i + size - 1].end, target))
            i += size
        return found

    @staticmethod
    def _doubled_at(toks: list[Token], i: int) -> bool:
        return i + 1 < len(toks) and toks[i].folded == toks[i + 1].folded and toks[i].start != toks[i + 1].start

    def _longest_at(self, toks: list[Token], i: int) -> tuple[int, str | None]:
        if i > 0 and toks[i - 1].start == toks[i].start:
            return 0, None  # inside an expanded abbreviation
        for size in range(min(self._longest, len(toks) - i), 0, -1):
            end = i + size
            if end < len(toks) and toks[end].start == toks[end - 1].start:
                continue  # would stop inside an expanded abbreviation
            target = self._index.get(tuple(t.folded for t in toks[i:end]))
            if target is not None:
                return size, target
        return 0, None

    @staticmethod
    def _leftover(gap: str, refs: list[UnitRef], notes: list[str]) -> None:
        for fragment in _fragments(gap):
            if _looks_like_unit(fragment):
                refs.append(UnitRef(fragment, None))
            else:
                notes.append(fragment)


def _overlaps(span: tuple[int, int, str], claimed: list[tuple[int, int, str]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end, _ in claimed)


def _variants(folded: str) -> list[tuple[str, ...]]:
    """A name with and without the trailing "xã" that communes add or drop."""
    words = tuple(folded.split())
    if not words:
        return []
    if words[-1] == "xa" and len(words) > 1:
        return [words, words[:-1]]
    return [words, (*words, "xa")]


def _fragments(gap: str) -> list[str]:
    pieces: list[str] = []
    for part in re.split(r"[;\n]+", gap):
        for chunk in _split_commas(part):
            pieces += _RESTART.split(chunk)
    cleaned = (_CONNECTORS.sub("", clean_spaces(p).strip(" ,.:-–")) for p in pieces)
    return [c for c in cleaned if re.search(r"\w", c)]


def _split_commas(part: str) -> list[str]:
    """Split at commas only where a capitalised word or "các" follows: "Các sở, ban, ngành" stays whole."""
    out: list[str] = []
    for piece in part.split(","):
        stripped = piece.strip()
        if out and not (stripped[:1].isupper() or stripped.startswith("các ")):
            out[-1] += "," + piece
        else:
            out.append(piece)
    return out


def _looks_like_unit(fragment: str) -> bool:
    words = tuple(fold(fragment).split())
    return any(words[: len(head)] == head for head in _HEADS)


def _unique(refs: list[UnitRef]) -> tuple[UnitRef, ...]:
    seen: set[str] = set()
    out: list[UnitRef] = []
    for ref in refs:
        key = ref.target or fold(ref.written)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return tuple(out)
