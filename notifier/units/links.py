"""Which chat or address reaches which unit: one-time link codes, manual links, broken links and
Telegram's group-to-supergroup migration. Shared by every chat channel."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from notifier.clock import stamp
from notifier.errors import InputError
from notifier.text import labels
from notifier.units.lookup import find_unit
from notifier.units.models import ChannelLink, LinkCode, LinkStatus, Unit

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and retyped
CODE_LENGTH = 6
CODE_LIFETIME = timedelta(hours=48)


class Redeemed(StrEnum):
    LINKED = "linked"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


def issue_code(session: Session, unit_name: str, now: datetime) -> LinkCode:
    unit = find_unit(session, unit_name)
    code = LinkCode(code=_new_code(), unit_id=unit.id or 0, expires_at=now + CODE_LIFETIME, created_at=now)
    session.add(code)
    session.flush()
    return code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def redeem_code(
    session: Session, code: str, channel: str, target: str, title: str | None, by: str, now: datetime
) -> tuple[Redeemed, Unit | None]:
    """Link ``target`` to the code's unit if the code is good; nothing changes otherwise."""
    row = session.exec(select(LinkCode).where(LinkCode.code == code.strip().upper())).first()
    if row is None:
        return Redeemed.UNKNOWN, None
    unit = session.get_one(Unit, row.unit_id)
    if row.used_at is not None:
        return Redeemed.USED, unit
    if row.expires_at <= now:
        return Redeemed.EXPIRED, unit
    row.used_at, row.used_by = now, by
    session.add(row)
    attach(session, unit, channel, target, title)
    return Redeemed.LINKED, unit


def attach(session: Session, unit: Unit, channel: str, target: str, title: str | None = None) -> ChannelLink:
    """Point ``target`` at ``unit`` (moving it from another unit if it was linked elsewhere)."""
    link = session.exec(select(ChannelLink).where(ChannelLink.channel == channel, ChannelLink.target == target)).first()
    link = link or ChannelLink(unit_id=unit.id or 0, channel=channel, target=target)
    link.unit_id, link.status, link.error, link.updated_at = unit.id or 0, LinkStatus.ACTIVE, None, stamp()
    link.title = title or link.title
    session.add(link)
    session.flush()
    return link


def detach(session: Session, unit_name: str, channel: str, target: str | None = None) -> int:
    unit = find_unit(session, unit_name)
    query = select(ChannelLink).where(ChannelLink.unit_id == unit.id, ChannelLink.channel == channel)
    if target is not None:
        query = query.where(ChannelLink.target == target)
    links = session.exec(query).all()
    if not links:
        raise InputError(f"đơn vị «{unit.name}» chưa liên kết {channel}" + (f" «{target}»" if target else ""))
    for link in links:
        session.delete(link)
    session.flush()
    return len(links)


def active_targets(session: Session, unit: Unit) -> list[tuple[str, str]]:
    links = session.exec(
        select(ChannelLink)
        .where(ChannelLink.unit_id == unit.id, ChannelLink.status == LinkStatus.ACTIVE)
        .order_by(col(ChannelLink.id))
    ).all()
    return [(link.channel, link.target) for link in links]


def unit_for_target(session: Session, channel: str, target: str) -> Unit | None:
    link = session.exec(select(ChannelLink).where(ChannelLink.channel == channel, ChannelLink.target == target)).first()
    return session.get(Unit, link.unit_id) if link else None


def mark_broken(session: Session, channel: str, target: str, error: str) -> bool:
    link = session.exec(select(ChannelLink).where(ChannelLink.channel == channel, ChannelLink.target == target)).first()
    if link is None:
        return False
    link.status, link.error, link.updated_at = LinkStatus.BROKEN, error, stamp()
    session.add(link)
    return True


def move_link(session: Session, channel: str, old: str, new: str) -> None:
    """The chat behind a link has a new id (a Telegram group became a supergroup): the link follows."""
    link = session.exec(select(ChannelLink).where(ChannelLink.channel == channel, ChannelLink.target == old)).first()
    if link is not None:
        link.target, link.updated_at = new, stamp()
        session.add(link)
    session.flush()


#: The setting a channel needs before any of its links can carry a message.
CHANNEL_SETTING = {"telegram": "TELEGRAM_BOT_TOKEN", "email": "SMTP_HOST", "zalo": "ZALO_BOT_TOKEN"}


def unconfigured_error(channel: str) -> str:
    setting = CHANNEL_SETTING.get(channel, channel)
    return f"kênh {labels.label(labels.CHANNEL, channel)} chưa được cấu hình (thiếu {setting}): chưa gửi được tin nào"


@dataclass(frozen=True)
class LinkRecord:
    """Where a unit is reached; a link to a channel that is not configured says so (``configured``
    false, and the reason in ``error``): the unit is not reached, whatever the link's status."""

    channel: str
    target: str
    title: str | None
    status: str  # active, broken
    error: str | None
    configured: bool

    def json(self) -> dict[str, Any]:
        return asdict(self)


def links_by_unit(session: Session, configured: frozenset[str]) -> dict[int, list[LinkRecord]]:
    """Every unit's links, by unit id."""
    out: dict[int, list[LinkRecord]] = {}
    for row in session.exec(select(ChannelLink).order_by(col(ChannelLink.id))).all():
        ready = row.channel in configured
        error = row.error if ready else unconfigured_error(row.channel)
        out.setdefault(row.unit_id, []).append(LinkRecord(row.channel, row.target, row.title, row.status, error, ready))
    return out


def unconfigured_links(session: Session, configured: frozenset[str]) -> list[tuple[ChannelLink, Unit]]:
    rows = session.exec(
        select(ChannelLink, Unit)
        .where(col(ChannelLink.channel).not_in(list(configured)), ChannelLink.unit_id == Unit.id)
        .order_by(col(ChannelLink.id))
    ).all()
    return [(link, unit) for link, unit in rows]
