"""progress_event: the history of each occurrence (deadline given, completions, reopenings,
cancellations) that the periodic report replays; filled from what the rows hold now, the
deadline dated when its task was first imported; digest: the period of a periodic report

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BACKFILL = [
    """INSERT INTO progress_event (occurrence_id, unit_id, kind, due, by, at)
       SELECT o.id, NULL, 'due', o.due, NULL, t.created_at FROM occurrence o JOIN task t ON t.id = o.task_id""",
    """INSERT INTO progress_event (occurrence_id, unit_id, kind, due, by, at)
       SELECT o.id, a.unit_id, tr.done_status, NULL, NULL, tr.done_at
       FROM track tr JOIN assignment a ON a.id = tr.assignment_id JOIN occurrence o ON o.id = tr.occurrence_id
       WHERE tr.done_at IS NOT NULL AND tr.done_status IS NOT NULL""",
    """INSERT INTO progress_event (occurrence_id, unit_id, kind, due, by, at)
       SELECT o.id, NULL, o.status, NULL, o.done_by, o.done_at FROM occurrence o
       WHERE o.status IN ('done', 'reported') AND o.done_at IS NOT NULL""",
    """INSERT INTO progress_event (occurrence_id, unit_id, kind, due, by, at)
       SELECT o.id, NULL, 'cancelled', NULL, NULL, t.updated_at FROM occurrence o JOIN task t ON t.id = o.task_id
       WHERE o.status = 'cancelled'""",
]


def upgrade() -> None:
    op.create_table(
        "progress_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurrence_id", sa.Integer(), sa.ForeignKey("occurrence.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("by", sa.String(length=200), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_progress_event_occurrence_at", "progress_event", ["occurrence_id", "at"])
    for statement in BACKFILL:
        op.execute(statement)
    with op.batch_alter_table("digest") as batch:
        batch.add_column(sa.Column("period", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE digest DROP COLUMN period")  # plain ALTER: rows point at digests
    op.drop_index("ix_progress_event_occurrence_at", table_name="progress_event")
    op.drop_table("progress_event")
