"""unit: where a unit comes from ("config": units.yaml; "office": added with `units add` or
`import --add-units`), so a sync with units.yaml never retires what the office added

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("source", sa.String(length=20), nullable=False, server_default="config"))


def downgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.drop_column("source")
