"""Paragraphs from the positioned words of a PDF region (a table cell, or the page body).

A PDF holds lines, not paragraphs. Two lines belong to one paragraph when the first was full: the
next line's first word would not have fitted after it. A short line, a wide vertical gap or a
centred line with room to spare ends the paragraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> Word:
        return cls(str(raw["text"]), float(raw["x0"]), float(raw["x1"]), float(raw["top"]), float(raw["bottom"]))

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Line:
    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @staticmethod
    def group(words: list[Word]) -> list[Line]:
        """Words sharing a baseline band make a line; lines top to bottom, words left to right."""
        lines: list[list[Word]] = []
        for word in sorted(words, key=lambda w: (w.top, w.x0)):
            if lines and abs(word.top - lines[-1][0].top) <= max(word.height, 1.0) / 2:
                lines[-1].append(word)
            else:
                lines.append([word])
        return [Line(sorted(line, key=lambda w: w.x0)) for line in lines]


def paragraphs(words: list[Word], left: float, right: float) -> list[str]:
    """The region's text as paragraphs; ``left``/``right`` are where its lines may start and end."""
    return paragraphs_of(Line.group(words), left, right)


def paragraphs_of(lines: list[Line], left: float, right: float) -> list[str]:
    """As ``paragraphs``, for words already grouped into lines."""
    result: list[list[str]] = []
    previous: Line | None = None
    for line in lines:
        if previous is None or not _continues(previous, line, left, right):
            result.append([])
        result[-1].append(line.text)
        previous = line
    return [_join_lines(parts) for parts in result]


def _join_lines(lines: list[str]) -> str:
    """Wrapped lines joined by a space, except where a line broke inside a hyphenated code or range
    ("04-" + "ĐA/TU", "2021-" + "2030"): there the next word is a code, not a word of the sentence
    ("Quý IV/2025-" + "Quý II" keeps its space)."""
    text = lines[0]
    for line in lines[1:]:
        first = line.split(" ", 1)[0]
        code = first[:1].isdigit() or not any(c.islower() for c in first)
        glued = code and text.endswith("-") and len(text) > 1 and not text[-2].isspace()
        text = f"{text}{line}" if glued else f"{text} {line}"
    return text


def _continues(previous: Line, line: Line, left: float, right: float) -> bool:
    height = max(previous.bottom - previous.top, 1.0)
    if line.top - previous.bottom > height:  # a blank line's worth of space: a new paragraph
        return False
    needed = 0.3 * height + (line.words[0].x1 - line.words[0].x0)
    tolerance = 0.5
    if _is_centred(previous, left, right):
        return (previous.x1 - previous.x0) + needed > (right - left) - tolerance
    return previous.x1 + needed > right - tolerance


def _is_centred(line: Line, left: float, right: float) -> bool:
    slack_left, slack_right = line.x0 - left, right - line.x1
    return slack_left > 4 and abs(slack_left - slack_right) < 3
