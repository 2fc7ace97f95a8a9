"""Cutting a long digest into messages a channel accepts, between items."""

from __future__ import annotations

import re

_BLOCK_BREAK = re.compile(r"\n\n")


def split_message(text: str, limit: int) -> list[str]:
    """Split a long message at blank lines (between items), never inside an item or an HTML tag."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in _BLOCK_BREAK.split(text):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = block if len(block) <= limit else _hard_cut(block, limit, parts)
    if current:
        parts.append(current)
    return parts


def _hard_cut(block: str, limit: int, parts: list[str]) -> str:
    """A single block longer than a message: cut at line ends (an item's lines carry no open tags)."""
    current = ""
    for line in block.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            parts.append(current)
            candidate = line
        current = candidate[:limit]
    return current
