"""explanation_request: requests that a unit explain an overdue task, and the answers

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "explanation_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("occurrence_id", sa.Integer(), sa.ForeignKey("occurrence.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(length=200), nullable=False),
        sa.Column("asked_via", sa.String(length=20), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("answer_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_via", sa.String(length=20), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("question_digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=True),
        sa.Column("answer_digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=True),
        sa.Column("escalation_digest_id", sa.Integer(), sa.ForeignKey("digest.id"), nullable=True),
    )
    op.create_index("ix_explanation_request_occurrence_id", "explanation_request", ["occurrence_id"])
    op.create_index("ix_explanation_request_task_id", "explanation_request", ["task_id"])
    op.create_index("ix_explanation_request_question_digest_id", "explanation_request", ["question_digest_id"])


def downgrade() -> None:
    op.drop_table("explanation_request")
