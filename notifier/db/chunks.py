"""Long lists of values cut into pieces a statement can bind (every database has a limit)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``values`` in consecutive pieces of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
