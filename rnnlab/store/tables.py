"""The progress schema (SQLAlchemy Core) and the engine that serves it.

Tables:
    meta       key -> value (the cookie-signing secret lives here)
    learners   one row per anonymous learner, with the step they were last on
    steps      (learner, step): when it was first visited and when completed
    answers    every answer ever given, with its time; the latest per check counts

Only the SQLite pragmas are dialect-specific; everything else is portable Core,
so a PostgreSQL URL works the same way.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

learners = sa.Table(
    "learners",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_step", sa.Integer, nullable=True),
)

steps = sa.Table(
    "steps",
    metadata,
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("learner_id", sa.String(64), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
    sa.Column("check_id", sa.String(128), nullable=False),
    sa.Column("answer", sa.JSON, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("answers_by_learner", "learner_id", "check_id", "id"),
)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets pages read while a write is in flight; synchronous=FULL fsyncs the
    # WAL at every commit, so an acknowledged answer survives kill -9 and power loss.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url`` with the tables created; SQLite files get their folder and pragmas."""
    parsed = sa.make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    if is_sqlite:
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine
