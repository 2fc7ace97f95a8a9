"""Links: which chat or address reaches a unit — a one-time code redeemed in a group, a link the
office adds or removes, a chat that changed its id."""

from __future__ import annotations

from notifier.actions.audit import audit
from notifier.actions.base import Office, change
from notifier.delivery.retarget import retarget_waiting
from notifier.units import links
from notifier.units.directory import load_directory
from notifier.units.lookup import find_unit
from notifier.units.models import LinkCode, Unit
from notifier.units.sync import sync_directory


def issue_link_code(office: Office, unit_name: str) -> tuple[LinkCode, str]:
    """A one-time code for a unit's chat group to send (/dangky CODE); the code and the unit's name."""
    with change(office, tracks=False) as session:
        sync_directory(session, load_directory(office.settings.units_file))
        code = links.issue_code(session, unit_name, office.clock())
        unit = session.get_one(Unit, code.unit_id)
        audit(session, office.by, "link_code", unit.name, office.clock())
    return code, unit.name


def redeem_link_code(
    office: Office, code: str, channel: str, target: str, title: str | None, by: str
) -> tuple[links.Redeemed, str]:
    """A chat sent a link code: linked, or why not; and the unit's name ("" for an unknown code)."""
    with change(office, tracks=False) as session:
        outcome, unit = links.redeem_code(session, code, channel, target, title, by, office.clock())
    return outcome, unit.name if unit else ""


def link(office: Office, unit_name: str, targets: list[tuple[str, str]]) -> str:
    """Reach the unit at each (channel, target) too; returns the unit's name."""
    with change(office, tracks=False) as session:
        sync_directory(session, load_directory(office.settings.units_file))
        unit = find_unit(session, unit_name)
        for channel, target in targets:
            links.attach(session, unit, channel, target)
            audit(session, office.by, "link_add", f"{unit.name} {channel} {target}", office.clock())
    return unit.name


def unlink(office: Office, unit_name: str, channel: str, target: str | None = None) -> int:
    """Stop reaching the unit on ``channel`` (at ``target``, or everywhere there); returns how many."""
    with change(office, tracks=False) as session:
        count = links.detach(session, unit_name, channel, target)
        audit(session, office.by, "link_remove", f"{unit_name} {channel} {target or '*'}", office.clock())
    return count


def follow_chat(office: Office, channel: str, old: str, new: str) -> None:
    """The chat behind a link has a new id: the link and the deliveries not yet sent follow it."""
    with change(office, tracks=False) as session:
        links.move_link(session, channel, old, new)
        retarget_waiting(session, channel, old, new)
