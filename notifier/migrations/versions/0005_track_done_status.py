"""track: how a unit's part was finished (reported by the unit, or done)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("track") as batch:
        batch.add_column(sa.Column("done_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.execute("UPDATE track SET done_status = 'done' WHERE done_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("track") as batch:
        batch.drop_column("done_status")
