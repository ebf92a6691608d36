"""``ClassStore``: classes, the learners who joined them, and what their instructor's dashboard reads.

A class has a short code that people type (``/join/K7P3QX``) and an instructor
key. The key is shown once, by ``rnnlab class create``; only its SHA-256 is
stored, and a key presented later is compared with ``hmac.compare_digest``.
A learner joins with an optional display name; without one the instructor sees
"anonymous n", n being their place in the order the class's learners joined.
It works on the ``ProgressStore``'s database (SQLite or PostgreSQL), each method
one transaction, all SQL SQLAlchemy Core with bound parameters.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from rnnlab.store.progress import ProgressStore, _utc
from rnnlab.store.tables import answers, classes, learners, steps, upsert

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1: nothing to misread on a projector
CODE_LENGTH = 6  # 31**6 ≈ 890 million codes
KEY_BYTES = 24  # the instructor key: secrets.token_urlsafe(24), 32 characters
NAME_MAX = 200  # a class's name (classes.name)
DISPLAY_NAME_MAX = 80  # a learner's display name (learners.display_name)
_CODE_TRIES = 8  # a new code that collides with an existing one is drawn again
_BIDI_CONTROLS = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ClassError(ValueError):
    """A class name or display name that cannot be used; the message says why, in a sentence."""


@dataclass(frozen=True)
class ClassInfo:
    code: str
    name: str
    created_at: datetime
    learners: int = 0


@dataclass(frozen=True)
class NewClass:
    code: str
    name: str
    instructor_key: str  # shown once; only its hash is kept


@dataclass(frozen=True)
class Membership:
    """The class a learner joined and the name they show its instructor (None: anonymous)."""

    code: str
    name: str
    display_name: str | None


@dataclass(frozen=True)
class LatestAnswer:
    answer: dict[str, Any]
    correct: bool
    at: datetime
    attempts: int  # answers given to this check in all, the latest included


@dataclass
class Member:
    """One learner of a class as the dashboard sees them; ``number`` (1-based) orders the class's learners
    by when each joined it (then by id: learners who joined at the same instant), so that one who joins
    later is numbered after everyone already there and renumbers no one."""

    number: int
    display_name: str | None
    last_step: int | None
    completed: set[int] = field(default_factory=set)
    answers: dict[str, LatestAnswer] = field(default_factory=dict)  # check id -> latest answer

    @property
    def label(self) -> str:
        return self.display_name or f"anonymous {self.number}"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normal_code(code: str) -> str:
    """A code as typed (``" k7p3qx "``) in the form it is stored (``"K7P3QX"``)."""
    return code.strip().upper()


def _clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI_CONTROLS]
    if bad:
        raise ClassError(f"{what} cannot contain control characters such as line breaks or tabs.")
    if len(text) > limit:
        raise ClassError(f"{what} can be at most {limit} characters long; this one has {len(text)}.")
    return text


def clean_class_name(name: str) -> str:
    """The name trimmed; ClassError if it is empty, too long or holds control characters."""
    name = _clean(name, "A class name", NAME_MAX)
    if not name:
        raise ClassError("A class needs a name, such as “RNNs, week 5”.")
    return name


def clean_display_name(name: str | None) -> str | None:
    """The display name trimmed (None for none or blank: anonymous); ClassError if too long or with control characters."""
    name = _clean(name or "", "Your display name", DISPLAY_NAME_MAX)
    return name or None


class ClassStore:
    """Classes in the database of ``store`` (a :class:`ProgressStore`)."""

    def __init__(self, store: ProgressStore):
        self.store = store

    # -- the instructor's side ----------------------------------------------------------

    def create(self, name: str) -> NewClass:
        """A new class with a fresh code and instructor key; ClassError for a bad name."""
        name = clean_class_name(name)
        key = secrets.token_urlsafe(KEY_BYTES)
        for _ in range(_CODE_TRIES):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self.store.writing() as conn:
                    conn.execute(classes.insert().values(code=code, name=name, key_hash=key_hash(key),
                                                         created_at=datetime.now(timezone.utc)))
                return NewClass(code, name, key)
            except sa.exc.IntegrityError:
                continue  # that code is taken: draw another
        raise RuntimeError(f"no free class code after {_CODE_TRIES} tries")

    def all(self) -> list[ClassInfo]:
        """Every class, oldest first, with how many learners joined it."""
        count = sa.func.count(learners.c.id)
        query = (sa.select(classes.c.code, classes.c.name, classes.c.created_at, count)
                 .select_from(classes.outerjoin(learners, learners.c.class_code == classes.c.code))
                 .group_by(classes.c.code, classes.c.name, classes.c.created_at)
                 .order_by(classes.c.created_at, classes.c.code))
        with self.store.engine.connect() as conn:
            return [ClassInfo(r.code, r.name, _utc(r.created_at), r[3]) for r in conn.execute(query)]

    def get(self, code: str) -> ClassInfo | None:
        """The class with this code (as typed: case and spaces do not matter), or None."""
        query = sa.select(classes.c.code, classes.c.name, classes.c.created_at).where(
            classes.c.code == normal_code(code))
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else ClassInfo(row.code, row.name, _utc(row.created_at))

    def key_hash(self, code: str) -> str | None:
        """The stored SHA-256 of the class's instructor key (None: no such class)."""
        query = sa.select(classes.c.key_hash).where(classes.c.code == normal_code(code))
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def key_matches(self, code: str, key: str) -> bool:
        """Whether ``key`` is the instructor key of class ``code`` (compared in constant time)."""
        stored = self.key_hash(code)
        return stored is not None and hmac.compare_digest(key_hash(key), stored)

    # -- the learner's side -------------------------------------------------------------

    def join(self, learner_id: str, code: str, display_name: str | None = None) -> Membership:
        """Put the learner in class ``code`` (leaving any other) under ``display_name``.

        KeyError if there is no such class; ClassError for a display name that cannot be used.
        """
        found = self.get(code)
        if found is None:
            raise KeyError(code)
        name = clean_display_name(display_name)

        def work(conn):
            now = datetime.now(timezone.utc)
            # Joining again the class one is in (to change one's name) keeps one's join time, and so one's number.
            upsert(conn, learners, {"id": learner_id, "created_at": now, "joined_at": now, "class_code": found.code,
                                    "display_name": name},
                   update=lambda new: {"class_code": new.class_code, "display_name": new.display_name,
                                       "joined_at": sa.case((learners.c.class_code == new.class_code,
                                                             learners.c.joined_at), else_=new.joined_at)})
        self.store.write(work)
        return Membership(found.code, found.name, name)

    def leave(self, learner_id: str) -> None:
        """Take the learner out of their class (their progress stays)."""
        self.store.write(lambda conn: conn.execute(
            learners.update().where(learners.c.id == learner_id).values(class_code=None, display_name=None,
                                                                        joined_at=None)))

    def membership(self, learner_id: str) -> Membership | None:
        """The learner's class and display name, or None (not in a class)."""
        query = (sa.select(classes.c.code, classes.c.name, learners.c.display_name)
                 .join(classes, classes.c.code == learners.c.class_code)
                 .where(learners.c.id == learner_id))
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else Membership(row.code, row.name, row.display_name)

    # -- what the dashboard reads ---------------------------------------------------------

    def members(self, code: str) -> list[Member]:
        """Everyone in the class (numbered as ``Member`` says), with their completed steps and latest answer per check.

        Three queries, whatever the class's size: the learners, their completed steps, and
        for each (learner, check) the latest answer with the number of attempts.
        """
        code = normal_code(code)
        in_class = learners.c.class_code == code
        roster = sa.select(learners.c.id, learners.c.display_name, learners.c.last_step).where(in_class).order_by(
            learners.c.joined_at.nulls_first(), learners.c.id)  # NULL: in the class before joins were timed
        done = (sa.select(steps.c.learner_id, steps.c.step).join(learners, learners.c.id == steps.c.learner_id)
                .where(in_class, steps.c.completed_at.is_not(None)))
        latest = (sa.select(answers.c.learner_id, answers.c.check_id, sa.func.count().label("attempts"),
                            sa.func.max(answers.c.id).label("last_id"))
                  .join(learners, learners.c.id == answers.c.learner_id).where(in_class)
                  .group_by(answers.c.learner_id, answers.c.check_id).subquery())
        last = (sa.select(latest.c.learner_id, latest.c.check_id, latest.c.attempts, answers.c.answer,
                          answers.c.correct, answers.c.at)
                .join(answers, answers.c.id == latest.c.last_id))
        with self.store.engine.connect() as conn:
            members = {r.id: Member(n, r.display_name, r.last_step)
                       for n, r in enumerate(conn.execute(roster), 1)}
            for row in conn.execute(done):
                if row.learner_id in members:
                    members[row.learner_id].completed.add(row.step)
            for row in conn.execute(last):
                if row.learner_id in members:
                    members[row.learner_id].answers[row.check_id] = LatestAnswer(
                        row.answer, bool(row.correct), _utc(row.at), row.attempts)
        return list(members.values())
