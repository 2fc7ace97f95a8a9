"""extension_request.decision_digest_id: the message that asks leadership to decide a request

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_extension_request_decision_digest_id_digest"


def upgrade() -> None:
    # SQLite adds a foreign key only by copying the table (a batch), which needs it named;
    # nothing points at extension_request, so the copy is allowed while foreign keys are on.
    with op.batch_alter_table("extension_request") as batch:
        batch.add_column(sa.Column("decision_digest_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(FOREIGN_KEY, "digest", ["decision_digest_id"], ["id"])
        batch.create_index("ix_extension_request_decision_digest_id", ["decision_digest_id"])


def downgrade() -> None:
    with op.batch_alter_table("extension_request") as batch:
        batch.drop_index("ix_extension_request_decision_digest_id")
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_column("decision_digest_id")
