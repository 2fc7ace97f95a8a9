"""Every table model, imported in one place for migrations and tests."""

from notifier.channels.models import ChannelLink, InboundCursor, Lease, LinkCode, RateReservation, SentMessage
from notifier.delivery.models import Ack, Delivery, Digest, Heartbeat
from notifier.plans.models import ImportRun, Plan, Task, TaskUnit
from notifier.schedule.models import Assignment, Occurrence, Reminder, ScheduleMark, Track
from notifier.units.models import GroupMember, Unit, UnitAlias
from notifier.web.models import AuditEntry, LoginFailure, User

__all__ = [
    "Ack",
    "Assignment",
    "AuditEntry",
    "ChannelLink",
    "Delivery",
    "Digest",
    "GroupMember",
    "Heartbeat",
    "ImportRun",
    "InboundCursor",
    "Lease",
    "LinkCode",
    "LoginFailure",
    "Occurrence",
    "Plan",
    "RateReservation",
    "Reminder",
    "ScheduleMark",
    "SentMessage",
    "Task",
    "TaskUnit",
    "Track",
    "Unit",
    "UnitAlias",
    "User",
]
