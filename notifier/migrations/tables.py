"""Every table model in one place, for the migrations: above every package, since it names them all."""

from notifier.accounts.models import LoginFailure, User
from notifier.actions.audit import AuditEntry
from notifier.channels.models import InboundCursor, Lease, RateReservation, SentMessage
from notifier.delivery.models import Ack, Delivery, Heartbeat
from notifier.plans.models import ImportRun, Plan, Task, TaskUnit
from notifier.schedule.models import (
    Assignment,
    Digest,
    ExplanationRequest,
    ExtensionRequest,
    Occurrence,
    ProgressEvent,
    Reminder,
    ScheduleMark,
    Track,
)
from notifier.units.models import ChannelLink, GroupMember, LinkCode, Unit, UnitAlias

__all__ = [
    "Ack",
    "Assignment",
    "AuditEntry",
    "ChannelLink",
    "Delivery",
    "Digest",
    "ExplanationRequest",
    "ExtensionRequest",
    "GroupMember",
    "Heartbeat",
    "ImportRun",
    "InboundCursor",
    "Lease",
    "LinkCode",
    "LoginFailure",
    "Occurrence",
    "Plan",
    "ProgressEvent",
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
