"""Findings of an import that the office should see, each naming where it was found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Problem:
    level: Level
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
