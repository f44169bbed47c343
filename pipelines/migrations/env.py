"""Alembic environment: runs on the connection the scores store hands over.

The store opens the connection (and, on PostgreSQL, takes a transaction-level advisory lock
so that two first runs do not create the tables at once) and passes it in
``config.attributes["connection"]``. There is no ``alembic.ini`` and no offline mode.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through pipelines.scores_store.ScoresStore.upgrade()")

context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
