"""The weekly summary for the office (and, if set, leadership) is opened here, once a week; what it
says is built by ``delivery/summary_view.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.schedule.digests import DigestBook
from notifier.schedule.marks import Claim, claim_period
from notifier.schedule.policy import Policy
from notifier.units.models import Unit

MARK = "weekly_summary"


def queue_weekly_summary(engine: Engine, policy: Policy, now: datetime) -> int:
    """Open this week's summary digests once, from the summary weekday on; returns how many."""
    local = vietnam_time(now)
    if local.weekday() < policy.summary_weekday:
        return 0
    year, week, _ = local.isocalendar()
    period = f"{year}-W{week:02d}"
    names = list(policy.office_units) + (
        [policy.leadership_unit] if policy.summary_to_leadership and policy.leadership_unit else []
    )
    with Session(engine) as session:
        if claim_period(session, MARK, period, now) is not Claim.CLAIMED:
            return 0
        recipients = session.exec(select(Unit).where(col(Unit.name).in_(names), col(Unit.active).is_(True))).all()
        book = DigestBook(session, policy, now)
        for unit in recipients:
            book.digest_for(unit, "summary")
        session.commit()
        return len(recipients)
