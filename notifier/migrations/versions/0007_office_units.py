"""unit: where a unit comes from ("config": units.yaml; "office": added with `units add` or
`import --add-units`), so a sync with units.yaml never retires what the office added;
plan: when the office removed it (`plans remove`)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifier.db.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="config"))
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("removed_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("source")
