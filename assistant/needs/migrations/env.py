"""Alembic environment, run programmatically by ``assistant.needs.database.upgrade``.

The caller passes an open connection in ``config.attributes["connection"]``, so there is no
alembic.ini and no URL (with a password) in any file.
"""

from __future__ import annotations

from alembic import context

from assistant.needs.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable by running alembic by hand
    raise RuntimeError("run migrations through assistant.needs.database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
