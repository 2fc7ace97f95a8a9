"""Alembic environment: runs on the connection notifier hands it (see notifier.db.engine)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import notifier.migrations.tables  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("notifier migrations run through notifier.db.engine.upgrade_schema")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
