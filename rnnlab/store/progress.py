"""``ProgressStore``: what one anonymous learner has done, kept in a database.

Every method is one transaction, committed before it returns. All SQL is
SQLAlchemy Core with bound parameters. Learner rows are created lazily by the
first write, so merely looking (or sending a request that gets rejected)
writes nothing.
"""

from __future__ import annotations

import random
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from rnnlab.store import migrations
from rnnlab.store.tables import WRITE, answers, learners, make_engine, meta, steps, upsert, writer_turns

_RETRIES = 3  # a concurrent first write for the same new learner can collide once
_BUSY_RETRIES = 6  # a write that still found the database busy after the busy timeout is tried again ...
_BUSY_BACKOFF_S = 0.05  # ... after 0.05, 0.1, 0.2 ... s (with jitter, so the retries do not collide again)


@dataclass(frozen=True)
class AnswerRecord:
    answer: dict[str, Any]
    correct: bool
    at: datetime


@dataclass
class Progress:
    visited: set[int] = field(default_factory=set)
    completed: set[int] = field(default_factory=set)
    answers: dict[str, AnswerRecord] = field(default_factory=dict)  # latest answer per check
    last_step: int | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _is_busy(exc: sa.exc.OperationalError) -> bool:
    """SQLite's "database is locked" / "database is busy": another writer held the lock too long."""
    message = str(exc.orig).lower()
    return "database is locked" in message or "database is busy" in message


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


class ProgressStore:
    """Progress for anonymous learners in the database at ``url`` (a SQLAlchemy URL: SQLite or PostgreSQL).

    Opening it brings the database's schema up to date (:mod:`rnnlab.store.migrations`).
    """

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.turns = writer_turns(url)
        with self.turns:
            migrations.upgrade(self.engine)
        self.writer = self.engine.execution_options(**WRITE)  # same pool; SQLite: BEGIN IMMEDIATE

    def close(self) -> None:
        self.engine.dispose()
        self.turns.close()

    @contextmanager
    def writing(self):
        """A write transaction (committed at the end of the ``with``), in turn with this database's
        other writers (:class:`rnnlab.store.tables.WriterTurns`)."""
        with self.turns, self.writer.begin() as conn:
            yield conn

    # -- writes -------------------------------------------------------------

    def visit(self, learner_id: str, step: int) -> None:
        """Mark ``step`` visited (first visit time kept) and make it where the learner is.

        A visit that changes nothing (the learner is already there, and has been before) only reads:
        a write transaction takes the database's write lock and, on SQLite, an fsync."""
        if self._visited_and_there(learner_id, step):
            return

        def work(conn):
            now = _now()
            upsert(conn, learners, {"id": learner_id, "created_at": now, "last_step": step},
                    update=lambda new: {"last_step": new.last_step})
            upsert(conn, steps, {"learner_id": learner_id, "step": step, "visited_at": now},
                    update=lambda new: {"visited_at": sa.func.coalesce(steps.c.visited_at, new.visited_at)})
        self.write(work)

    def complete(self, learner_id: str, step: int) -> None:
        """Mark ``step`` completed (and visited); the first completion time is kept."""
        def work(conn):
            now = _now()
            upsert(conn, learners, {"id": learner_id, "created_at": now})
            upsert(conn, steps, {"learner_id": learner_id, "step": step, "visited_at": now, "completed_at": now},
                    update=lambda new: {"visited_at": sa.func.coalesce(steps.c.visited_at, new.visited_at),
                                        "completed_at": sa.func.coalesce(steps.c.completed_at, new.completed_at)})
        self.write(work)

    def record_answer(self, learner_id: str, check_id: str, answer: dict, correct: bool) -> None:
        """Keep this answer; earlier answers to the same check stay in the history."""
        def work(conn):
            now = _now()
            upsert(conn, learners, {"id": learner_id, "created_at": now})
            conn.execute(
                answers.insert().values(learner_id=learner_id, check_id=check_id, answer=answer,
                                        correct=bool(correct), at=now)
            )
        self.write(work)

    def reset(self, learner_id: str) -> None:
        """Forget everything about this learner."""
        def work(conn):
            conn.execute(answers.delete().where(answers.c.learner_id == learner_id))
            conn.execute(steps.delete().where(steps.c.learner_id == learner_id))
            conn.execute(learners.delete().where(learners.c.id == learner_id))
        self.write(work)

    # -- reads --------------------------------------------------------------

    def progress(self, learner_id: str) -> Progress:
        """Everything this learner has done; a learner never seen gets an empty ``Progress``."""
        result = Progress()
        with self.engine.connect() as conn:
            result.last_step = conn.execute(
                sa.select(learners.c.last_step).where(learners.c.id == learner_id)
            ).scalar_one_or_none()
            for row in conn.execute(sa.select(steps).where(steps.c.learner_id == learner_id)):
                if row.visited_at is not None:
                    result.visited.add(row.step)
                if row.completed_at is not None:
                    result.completed.add(row.step)
            history = sa.select(answers).where(answers.c.learner_id == learner_id).order_by(answers.c.id)
            for row in conn.execute(history):  # oldest first, so the latest answer wins
                result.answers[row.check_id] = AnswerRecord(row.answer, bool(row.correct), _utc(row.at))
        return result

    def answer_history(self, learner_id: str, check_id: str) -> list[AnswerRecord]:
        """Every answer this learner gave to ``check_id``, oldest first."""
        query = (
            sa.select(answers)
            .where(answers.c.learner_id == learner_id, answers.c.check_id == check_id)
            .order_by(answers.c.id)
        )
        with self.engine.connect() as conn:
            return [AnswerRecord(r.answer, bool(r.correct), _utc(r.at)) for r in conn.execute(query)]

    def class_of(self, learner_id: str) -> str | None:
        """The code of the class this learner joined, or None (not in a class, or never seen)."""
        query = sa.select(learners.c.class_code).where(learners.c.id == learner_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def cookie_secret(self) -> str:
        """The secret that signs learner cookies: made once, then kept, so cookies survive restarts."""
        query = sa.select(meta.c.value).where(meta.c.key == "cookie_secret")
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
        if found is not None:
            return found
        try:
            with self.writing() as conn:
                conn.execute(meta.insert().values(key="cookie_secret", value=secrets.token_urlsafe(32)))
        except sa.exc.IntegrityError:
            pass  # another process made it first; use theirs
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    # -- helpers --------------------------------------------------------------

    def write(self, work) -> None:
        """Run ``work(conn)`` in one write transaction, committed before this returns; retried when it collides
        (this store's writes, and those of its other modules: :mod:`rnnlab.store.classes`)."""
        collisions = busy = 0
        while True:
            try:
                with self.writing() as conn:
                    work(conn)
                return
            except sa.exc.IntegrityError:
                collisions += 1
                if collisions == _RETRIES:
                    raise
            except sa.exc.OperationalError as exc:
                busy += 1
                if not _is_busy(exc) or busy > _BUSY_RETRIES:
                    raise
                time.sleep(_BUSY_BACKOFF_S * 2 ** (busy - 1) * random.uniform(0.5, 1.5))

    def _visited_and_there(self, learner_id: str, step: int) -> bool:
        query = (
            sa.select(steps.c.visited_at)
            .join(learners, learners.c.id == steps.c.learner_id)
            .where(steps.c.learner_id == learner_id, steps.c.step == step, learners.c.last_step == step)
        )
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none() is not None
