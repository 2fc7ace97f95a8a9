"""Which stored task a row of a revised plan is: tasks keep their identity across re-imports.

A row is the same task as a stored one when, in this order: the wording is the
same (wherever it moved); the position in the numbering is the same (the
wording was edited); or the wording is nearly the same (edited and moved).
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Protocol

from notifier.text.folding import fold

_NEARLY_SAME = 0.85


class _Stored(Protocol):
    path: str
    title: str


class _Incoming(Protocol):
    path: str
    title: str


def match_identities(stored: Sequence[_Stored], incoming: Sequence[_Incoming]) -> dict[int, int]:
    """Map incoming index -> stored index."""
    free = set(range(len(stored)))
    matched: dict[int, int] = {}
    titles = [fold(s.title) for s in stored]
    paths = [s.path for s in stored]
    for rule in (_same_title, _same_path, _similar_title):
        for i, task in enumerate(incoming):
            if i in matched:
                continue
            j = rule(task, titles, paths, free)
            if j is not None:
                matched[i] = j
                free.discard(j)
    return matched


def _same_title(task: _Incoming, titles: list[str], paths: list[str], free: set[int]) -> int | None:
    folded = fold(task.title)
    candidates = [j for j in sorted(free) if titles[j] == folded]
    return next((j for j in candidates if paths[j] == task.path), candidates[0] if candidates else None)


def _same_path(task: _Incoming, titles: list[str], paths: list[str], free: set[int]) -> int | None:
    return next((j for j in sorted(free) if paths[j] == task.path), None)


def _similar_title(task: _Incoming, titles: list[str], paths: list[str], free: set[int]) -> int | None:
    folded = fold(task.title)
    best, best_ratio = None, _NEARLY_SAME
    for j in sorted(free):
        ratio = SequenceMatcher(None, folded, titles[j]).ratio()
        if ratio >= best_ratio:
            best, best_ratio = j, ratio
    return best


def plan_of(task_key: str) -> str:
    """The code of the plan a task belongs to: a task's key starts with it ("KH-12:2.1")."""
    return task_key.split(":", 1)[0]
