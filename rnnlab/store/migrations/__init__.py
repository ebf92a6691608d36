"""Schema migrations (Alembic), run by the store at start-up, on SQLite and PostgreSQL alike.

``upgrade(engine)`` brings a database to the newest revision in ``versions/``, in
one transaction: a new database gets every revision; a SQLite file made before
there were migrations (by ``metadata.create_all``: the schema of revision 0001)
is stamped 0001 first, so it is adopted, not rebuilt. Servers starting at once
wait for each other: SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's advisory lock.

A new revision is a file in ``versions/`` written with ``alembic.op``, whose
``down_revision`` is the newest one before it; ``tables.py`` changes with it
(a test holds the two equal).
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from rnnlab.store.tables import WRITE

HERE = Path(__file__).parent
INITIAL = "0001"  # the schema ``metadata.create_all`` made before migrations
LOCK_KEY = 0x726E6E6C6162  # "rnnlab": the PostgreSQL advisory lock that serialises start-ups
_ONE_AT_A_TIME = threading.Lock()  # Alembic's ``context`` is a module-level global: one migration per process at once


def config(connection: sa.Connection) -> Config:
    """Alembic's configuration, without an .ini: these scripts, run on ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory(str(HERE)).get_current_head()


def current(connection: sa.Connection) -> str | None:
    """The revision the database is at; None for an empty database or one made before migrations."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine) -> None:
    """Bring the database at ``engine`` to ``head()``, adopting a pre-migration SQLite file."""
    with _ONE_AT_A_TIME, engine.execution_options(**WRITE).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        cfg = config(conn)
        if current(conn) is None and sa.inspect(conn).has_table("learners"):
            command.stamp(cfg, INITIAL)
        command.upgrade(cfg, "head")
