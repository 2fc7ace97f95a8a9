"""delivery: attempts that may have reached the chat; heartbeat: a problem of the running service;
app_user: session epoch (sessions revoked server-side)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("maybe_sent", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("heartbeat") as batch:
        batch.add_column(sa.Column("problem", sa.Text(), nullable=True))
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_epoch")
    with op.batch_alter_table("heartbeat") as batch:
        batch.drop_column("problem")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("maybe_sent")
