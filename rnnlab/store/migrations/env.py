"""Alembic's entry point: always run by ``rnnlab.store.migrations.upgrade`` on the connection it passes."""

from alembic import context

from rnnlab.store.tables import metadata

connection = context.config.attributes["connection"]
# render_as_batch: SQLite cannot ALTER most things; batch mode copies the table instead.
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():  # joins the caller's transaction: the whole upgrade commits or none of it
    context.run_migrations()
