"""Follow-ups across channels (policy ``follow_up``): a digest with overdue or due-today items goes
to the unit's first linked channel in the policy's order; if nobody acknowledges it within the
set working hours, it goes again on the next linked channel, marked as a follow-up, and so on.
An acknowledgement on any channel ends the chain (acknowledgements are the digest's, whatever
channel they came on). While a unit's chain runs, an escalation about that unit waits: leadership
hears after the chain, not beside it.

The chain's state is on the digest (``follow_up_at``, ``follow_up_step``); each step writes
delivery rows with unique keys like the first send, so a step runs once across replicas."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from notifier.delivery.models import Ack, Delivery
from notifier.schedule.models import Digest, Reminder
from notifier.schedule.policy import Policy
from notifier.units.models import Unit

Targets = Callable[[Session, Unit], Sequence[tuple[str, str]]]
#: Item states that make a digest worth chasing on another channel.
URGENT = ("overdue", "due_today", "escalation")
#: Answers that end a chain: someone in the unit saw the digest.
ANSWERS = ("received", "snooze", "done", "comment")


def chain_steps(policy: Policy, targets: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The targets grouped into the chain's steps, in the policy's channel order; targets on a
    channel outside the order (the console, "no link") go with the first step."""
    order = policy.follow_up.order
    steps = [[t for t in targets if t[0] == channel] for channel in order]
    steps = [s for s in steps if s]
    others = [t for t in targets if t[0] not in order]
    return [others + steps[0], *steps[1:]] if steps else [others]


def first_step(
    session: Session, policy: Policy, digest: Digest, unit: Unit, targets: Sequence[tuple[str, str]], now: datetime
) -> Sequence[tuple[str, str]]:
    """The targets a digest goes to when it is sealed; starts its chain when one applies."""
    hours = policy.follow_up.hours_for(unit.name)
    if not hours or digest.kind not in policy.follow_up.kinds or not _urgent(session, digest):
        return targets
    steps = chain_steps(policy, targets)
    if len(steps) < 2:
        return targets
    digest.follow_up_at = policy.calendar.add_working_hours(now, hours)
    return steps[0]


def _urgent(session: Session, digest: Digest) -> bool:
    query = select(Reminder.id).where(Reminder.digest_id == digest.id, col(Reminder.state).in_(URGENT))
    return session.exec(query).first() is not None


def follow_up_due(engine: Engine, policy: Policy, now: datetime, targets: Targets) -> int:
    """Take every chain whose time has come one step on (or end it); returns deliveries written."""
    written = 0
    with Session(engine) as session:
        query = select(Digest, Unit).where(col(Digest.follow_up_at) <= now, Digest.unit_id == Unit.id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Digest, skip_locked=True)
        for digest, unit in session.exec(query).all():
            written += _step(session, policy, digest, unit, targets(session, unit), now)
        try:
            session.commit()
        except IntegrityError:  # another replica took the same step in the same moment
            session.rollback()
            return 0
    return written


def _step(
    session: Session, policy: Policy, digest: Digest, unit: Unit, targets: Sequence[tuple[str, str]], now: datetime
) -> int:
    steps, step = chain_steps(policy, targets), digest.follow_up_step + 1
    answered = session.exec(select(Ack.id).where(Ack.digest_id == digest.id, col(Ack.action).in_(ANSWERS))).first()
    session.add(digest)
    if answered is not None or step >= len(steps):
        digest.follow_up_at = None  # acknowledged, or every channel tried and waited for: the chain ends
        return 0
    # The unit's links may have changed since the first send: a target already sent to is skipped.
    sent = set(session.exec(select(Delivery.channel, Delivery.target).where(Delivery.digest_id == digest.id)).all())
    fresh = [t for t in steps[step] if t not in sent]
    for channel, target in fresh:
        session.add(new_delivery(digest, channel, target, now, follow_up=step))
    digest.follow_up_step = step
    # After the last channel too: its hours are waited for before the chain counts as ended.
    digest.follow_up_at = policy.calendar.add_working_hours(now, policy.follow_up.hours_for(unit.name))
    return len(fresh)


def chains_running(session: Session, unit_ids: set[int]) -> bool:
    """Whether a follow-up chain is still running for any of these units."""
    if not unit_ids:
        return False
    query = select(Digest.id).where(col(Digest.follow_up_at).is_not(None), col(Digest.unit_id).in_(unit_ids))
    return session.exec(query).first() is not None


def new_delivery(digest: Digest, channel: str, target: str, now: datetime, *, follow_up: int = 0) -> Delivery:
    return Delivery(
        key=f"{digest.id}:{channel}:{target}",
        digest_id=digest.id or 0,
        channel=channel,
        target=target,
        created_at=now,
        updated_at=now,
        follow_up=follow_up,
    )
