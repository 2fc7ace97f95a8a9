"""heartbeat.tick_seconds: how long the daemon's last tick took (GET /metrics)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("heartbeat", sa.Column("tick_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    # Plain ALTER (SQLite 3.35+ has it), like 0012's.
    op.execute("ALTER TABLE heartbeat DROP COLUMN tick_seconds")
