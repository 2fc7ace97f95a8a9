"""Every table model, imported in one place for migrations and tests."""

from notifier.plans.models import ImportRun, Plan, Task, TaskUnit
from notifier.units.models import GroupMember, Unit, UnitAlias

__all__ = ["GroupMember", "ImportRun", "Plan", "Task", "TaskUnit", "Unit", "UnitAlias"]
