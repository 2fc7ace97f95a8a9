"""Plans: importing a document (or previewing the import), removing a plan imported by mistake."""

from __future__ import annotations

from pathlib import Path

from notifier.actions.audit import audit
from notifier.actions.base import Office, change, trial
from notifier.plans import importer
from notifier.plans.importer import ImportOptions
from notifier.plans.report import ImportReport
from notifier.plans.roster import RemovedPlan
from notifier.plans.roster import remove_plan as archive_plan


def import_plan(office: Office, path: Path, options: ImportOptions, *, dry_run: bool = False) -> ImportReport:
    """Import (or, ``dry_run``, preview) a plan document: tasks, units and the reminder tracks
    that follow from them, in one transaction."""
    with trial(office) if dry_run else change(office) as session:
        report = importer.import_plan(session, office.settings, path, options, dry_run=dry_run)
        if not dry_run:
            audit(session, office.by, "import", f"{report.plan_code}: {path.name}", office.clock())
    return report


def remove_plan(office: Office, code: str) -> RemovedPlan:
    """Archive every task of the plan (reminders stop; the log keeps every delivery)."""
    with change(office) as session:
        removed = archive_plan(session, code)
        audit(session, office.by, "remove_plan", code, office.clock())
    return removed
