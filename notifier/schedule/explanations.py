"""Requests for explanation on the schedule: an answer, or its absence once the unit's working days
have passed, goes to leadership as a message of its own. The digest's unique key makes each once-
only, across replicas too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from notifier.clock import vietnam_time
from notifier.plans.models import Role
from notifier.schedule.digests import open_message
from notifier.schedule.models import ExplanationRequest, ExplanationStatus
from notifier.schedule.policy import Policy
from notifier.units.models import Unit


def tell_leadership(
    session: Session, policy: Policy, request: ExplanationRequest, what: str, now: datetime
) -> int | None:
    """Open the message to leadership_unit about ``request`` (``what``: "answer" or "missing");
    None when the policy names no leadership."""
    leader = session.exec(select(Unit).where(Unit.name == policy.leadership_unit)).first()
    if leader is None:
        return None
    key = f"{leader.id}:explanation:{request.id}:{what}"
    return open_message(session, policy, leader, key, role=Role.LEADERSHIP, kind="explanation", now=now)


def escalate_unanswered(engine: Engine, policy: Policy, now: datetime) -> int:
    """Tell leadership of every request still unanswered after its last working day; returns how
    many were escalated now."""
    today = vietnam_time(now).date()
    with Session(engine) as session:
        late = session.exec(
            select(ExplanationRequest).where(
                ExplanationRequest.status == ExplanationStatus.WAITING,
                col(ExplanationRequest.escalation_digest_id).is_(None),
                col(ExplanationRequest.answer_by) < today,
            )
        ).all()
        for request in late:
            request.escalation_digest_id = tell_leadership(session, policy, request, "missing", now)
            session.add(request)
        try:
            session.commit()
        except IntegrityError:  # another replica escalated them in the same moment
            session.rollback()
            return 0
        return len(late)
