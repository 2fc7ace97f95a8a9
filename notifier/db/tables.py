"""Every table model, imported in one place for migrations and tests."""

from notifier.delivery.models import Ack, Delivery, Digest, Heartbeat
from notifier.plans.models import ImportRun, Plan, Task, TaskUnit
from notifier.schedule.models import Assignment, Occurrence, Reminder, ScheduleMark, Track
from notifier.units.models import GroupMember, Unit, UnitAlias

__all__ = [
    "Ack",
    "Assignment",
    "Delivery",
    "Digest",
    "GroupMember",
    "Heartbeat",
    "ImportRun",
    "Occurrence",
    "Plan",
    "Reminder",
    "ScheduleMark",
    "Task",
    "TaskUnit",
    "Track",
    "Unit",
    "UnitAlias",
]
