"""One base for every channel and one error type that says whether to try again."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar


class ChannelError(Exception):
    """A send that failed. ``permanent`` failures (bot removed, chat gone) are not retried;
    ``retry_after`` is the wait the provider asked for, in seconds."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class Outbound:
    """A rendered digest for one target. ``key`` is the delivery's unique key, stable across retries."""

    key: str
    target: str
    text: str


class Channel(ABC):
    name: ClassVar[str]
    #: A message body rendered for this channel comes from templates/<template_folder>/.
    template_folder: ClassVar[str]

    @abstractmethod
    async def send(self, message: Outbound) -> str:
        """Send and return the provider's message id; raise ChannelError on failure."""

    async def confirm(self, message: Outbound) -> bool | None:
        """After an interrupted send: True if it went out, False if it did not, None if unknowable."""
        return None
