"""The progress schema (SQLAlchemy Core) and the engine that serves it.

The migrations in :mod:`rnnlab.store.migrations` make these tables; a test holds
the two equal, so a change here comes with a new revision there.

Tables:
    meta       key -> value (the cookie-signing secret lives here)
    classes    a class: its code, name, and the SHA-256 of its instructor key
    learners   one row per anonymous learner, with the step they were last on,
               the class they joined (and when) and the name they show its instructor (if any)
    steps      (learner, step): when it was first visited and when completed
    answers    every answer ever given, with its time; the latest per check counts
    results    quick experiments' results, shared by every server process (an LRU by ``used_at``)

Only the SQLite connection set-up (pragmas, ``BEGIN IMMEDIATE`` for writes) is
dialect-specific; everything else is portable Core, so a PostgreSQL URL works the same way.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

try:
    import fcntl
except ImportError:  # Windows: threads take turns; processes wait for SQLite's lock as before
    fcntl = None

metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
)

classes = sa.Table(
    "classes",
    metadata,
    sa.Column("code", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

learners = sa.Table(
    "learners",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_step", sa.Integer, nullable=True),
    sa.Column(
        "class_code",
        sa.String(16),
        sa.ForeignKey("classes.code", ondelete="SET NULL"),  # named learners_class_code_fkey by 0002
        nullable=True,
    ),
    sa.Column("display_name", sa.String(80), nullable=True),
    sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),  # when they joined their class (0003)
    sa.Index("learners_by_class", "class_code"),
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

results = sa.Table(
    "results",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("experiment", sa.String(64), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("results_by_use", "used_at"),
)


BUSY_TIMEOUT_MS = 30_000  # how long SQLite waits for another connection's write lock before giving up
WRITE = {"rnnlab_write": True}  # execution option of a transaction that will write (SQLite: BEGIN IMMEDIATE)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling off: it would BEGIN late (at the first
    # INSERT) and never IMMEDIATE. ``_sqlite_begin`` below says BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL may itself wait for a lock
    # WAL lets pages read while a write is in flight; synchronous=FULL fsyncs the
    # WAL at every commit, so an acknowledged answer survives kill -9 and power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # A write transaction takes the write lock at BEGIN IMMEDIATE, queueing behind
    # other writers for up to the busy timeout. A deferred one that read first
    # cannot upgrade its snapshot once another writer has committed: SQLite
    # answers "database is locked" at once, whatever the busy timeout.
    # Reads stay deferred, so they never wait for a writer (WAL).
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("rnnlab_write") else "BEGIN")


class WriterTurns:
    """Writers to one SQLite file take turns, in a queue that wakes the next one as soon as the lock frees.

    ``with turns:`` around a write transaction. Threads queue on a lock; processes on an exclusive
    ``flock`` on ``<database>.lock`` (the kernel wakes the next waiter when it is released, and releases
    it when a process dies). Without it, a writer that finds SQLite's write lock taken sleeps in SQLite's
    busy handler on a fixed schedule (1, 2, 5, 10, … then 100 ms at a time), so it oversleeps by up to
    100 ms every time: when a class of 50 arrived, first visits that write for 5 ms waited 50–850 ms
    for the lock (``bench/load.py``). SQLite's lock and busy timeout remain for other programs.
    PostgreSQL and in-memory databases need no turns: ``WriterTurns(None)`` only orders threads.
    """

    def __init__(self, lock_file: Path | None):
        self._threads = threading.Lock()
        self._fd = None
        if lock_file is not None and fcntl is not None:
            self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by child processes

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def writer_turns(url: str) -> WriterTurns:
    """The turns writers to ``url``'s database take (see ``WriterTurns``)."""
    path = sqlite_file(url)
    return WriterTurns(None if path is None else Path(f"{path}.lock"))


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or an in-memory one."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def upsert(conn: sa.Connection, table: sa.Table, values: dict, update=None) -> None:
    """Insert a row, or when its primary key is taken, set ``update(excluded)`` on the row there (leave it
    as it is if no ``update``): one statement, ``INSERT … ON CONFLICT … DO UPDATE`` on SQLite and
    PostgreSQL alike, where a look before the insert took two or three (each a trip through the GIL
    while this writer holds the database's write lock)."""
    insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    statement = insert(table).values(**values)
    keys = [column.name for column in table.primary_key]
    if update is None:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    else:
        statement = statement.on_conflict_do_update(index_elements=keys, set_=update(statement.excluded))
    conn.execute(statement)


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite files get their folder, pragmas and BEGIN IMMEDIATE.

    Transactions that write should run on ``engine.execution_options(**WRITE)``.
    The tables are made by the migrations (:mod:`rnnlab.store.migrations`), not here.
    """
    parsed = sa.make_url(url)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine
