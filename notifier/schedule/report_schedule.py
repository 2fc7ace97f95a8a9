"""The periodic report is opened here, once per period and recipient, a set number of working
days before the office must file it upward; what it says is built by ``reports/report_message.py``
when it is sent. The digest's unique key is the once-only guarantee, across replicas too."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.plans.models import Role
from notifier.plans.periods import period_around
from notifier.schedule.models import Digest
from notifier.schedule.policy import Policy
from notifier.units.models import Unit


def report_due(policy: Policy, today: date) -> str | None:
    """The period whose report goes out today: its sending day has come and the period has not
    ended (a service that was down still sends it late, until the period closes). When several
    are due together the longest wins: the year's report covers its last quarter."""
    rules, due = policy.report, []
    for kind in rules.periods:
        period = period_around(kind, today)
        deadline = period.end.replace(day=min(rules.deadline_day, period.end.day))
        sending = policy.calendar.add_working_days(deadline, -rules.working_days_before)
        if sending <= today <= period.end:
            due.append((period.end - period.start, period.code))
    return max(due)[1] if due else None


def queue_periodic_report(engine: Engine, policy: Policy, now: datetime) -> int:
    """Open the report's digest for each recipient once; returns how many were opened now."""
    rules = policy.report
    names = ([policy.leadership_unit] if rules.to_leadership and policy.leadership_unit else []) + (
        list(policy.office_units) if rules.to_office else []
    )
    code = report_due(policy, vietnam_time(now).date()) if names else None
    if code is None:
        return 0
    opened = 0
    with Session(engine) as session:
        recipients = session.exec(select(Unit).where(col(Unit.name).in_(names), col(Unit.active).is_(True))).all()
        for unit in recipients:
            opened += _open(session, policy, unit, code, now)
    return opened


def _open(session: Session, policy: Policy, unit: Unit, code: str, now: datetime) -> int:
    key = f"{unit.id}:report:{code}"
    if session.exec(select(Digest.id).where(Digest.key == key)).first() is not None:
        return 0
    role = Role.LEADERSHIP if unit.name == policy.leadership_unit else Role.OFFICE
    slot = policy.calendar.send_slot(now, policy.send_time_for(unit.name))
    session.add(Digest(key=key, unit_id=unit.id or 0, role=role, kind="report", send_at=slot, period=code))
    try:
        session.commit()
    except IntegrityError:  # another replica opened it first
        session.rollback()
        return 0
    return 1
