"""extension_request: units' requests for more time and the decisions on them;
occurrence.extended_due: the deadline an approved extension set; the request's notice digest

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("occurrence") as batch:
        batch.add_column(sa.Column("extended_due", sa.Date(), nullable=True))
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurrence_id", sa.Integer(), sa.ForeignKey("occurrence.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("old_due", sa.Date(), nullable=True),
        sa.Column("requested_due", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_via", sa.String(length=20), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("approved_due", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("notice_digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=True),
    )
    op.create_index("ix_extension_request_occurrence_id", "extension_request", ["occurrence_id"])
    op.create_index("ix_extension_request_task_id", "extension_request", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_extension_request_task_id", table_name="extension_request")
    op.drop_index("ix_extension_request_occurrence_id", table_name="extension_request")
    op.drop_table("extension_request")
    # Plain ALTER (SQLite 3.35+ has it): a batch would copy the table, which the rows that point
    # at occurrences forbid while foreign keys are on.
    op.execute("ALTER TABLE occurrence DROP COLUMN extended_due")
