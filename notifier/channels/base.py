"""One base for every channel and one error type that says whether to try again."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

OnWire = Callable[[], Awaitable[None]]
#: The channel name of a delivery for a unit that has no working link: it fails, visibly.
NO_LINK = "none"


class ChannelError(Exception):
    """A send that failed. ``permanent`` failures (bot removed, chat gone) are not retried;
    ``retry_after`` is the wait the provider asked for, in seconds."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        uncertain: bool = False,
        breaks_link: bool = True,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        # A permanent failure about the chat (gone, bot removed) breaks its link; one about our own
        # set-up (the channel is not configured) or about this message alone does not.
        self.breaks_link = breaks_link
        self.retry_after = retry_after
        # The request may have reached the provider (a read timeout): sending again could duplicate.
        self.uncertain = uncertain


@dataclass(frozen=True)
class OutItem:
    """One line of a digest as buttons see it: its number, and whether the unit may report it done."""

    number: str
    can_finish: bool


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message where the channel carries files (email): the report's .xlsx."""

    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Outbound:
    """A rendered digest for one target. ``key`` is the delivery's unique key, stable across retries."""

    key: str
    target: str
    text: str
    delivery_id: int = 0
    items: tuple[OutItem, ...] = ()
    kind: str = "reminder"
    #: Further rendered parts the channel asked for (an email's subject and HTML body).
    extras: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class SendResult:
    """What a send produced: the provider's id for the log, and each chat message it became
    (several when a long digest was split), so presses and replies find their delivery."""

    provider_id: str
    messages: tuple[tuple[str, str], ...] = ()
    target: str | None = None  # the target as it is now (a Telegram group that became a supergroup)


async def nothing() -> None:
    return None


class Channel(ABC):
    name: ClassVar[str]
    #: How many sends may be in flight at once; rate limits are the channel's own business.
    concurrency: ClassVar[int] = 1
    #: A message body rendered for this channel comes from templates/<template_folder>/.
    template_folder: ClassVar[str]

    #: After an interrupted send the channel could not check: send again (True) or leave it to a person.
    resend_when_unsure: ClassVar[bool] = False
    #: Templates rendered besides the body: templates/<folder>/<kind>.part-<name>.{txt,html}.j2.
    parts: ClassVar[tuple[str, ...]] = ()

    def context(self, delivery_id: int, target: str, created_at: datetime) -> dict[str, Any]:
        """Values the channel's templates need beyond the digest (an acknowledgement link)."""
        return {}

    @abstractmethod
    async def send(self, message: Outbound, on_wire: OnWire = nothing) -> SendResult:
        """Send; raise ChannelError on failure. ``on_wire`` is awaited just before the first
        request leaves, so recovery can tell "never sent" from "may have arrived"."""

    async def confirm(self, message: Outbound) -> bool | None:
        """After an interrupted send: True if it went out, False if it did not, None if unknowable."""
        return None
