"""digest.follow_up_at, digest.follow_up_step, delivery.follow_up: follow-up chains across channels

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("digest", sa.Column("follow_up_at", UTCDateTime(), nullable=True))
    op.add_column("digest", sa.Column("follow_up_step", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_digest_follow_up_at", "digest", ["follow_up_at"])
    op.add_column("delivery", sa.Column("follow_up", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_index("ix_digest_follow_up_at", table_name="digest")
    # Plain ALTER (SQLite 3.35+ has it): a batch would copy tables that other rows point at.
    op.execute("ALTER TABLE delivery DROP COLUMN follow_up")
    op.execute("ALTER TABLE digest DROP COLUMN follow_up_step")
    op.execute("ALTER TABLE digest DROP COLUMN follow_up_at")
