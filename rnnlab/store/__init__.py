"""Learner progress: steps visited and completed, every answer, where the learner left off.

``ProgressStore(url)`` speaks SQLAlchemy Core to a SQLite file (the default: WAL,
``synchronous=FULL``, a write that returned survives a crash of the server) or a
PostgreSQL database (``postgresql+psycopg://…``, for a class served by several
replicas), and brings its schema up to date with Alembic on opening. See
:mod:`rnnlab.store.progress`, :mod:`rnnlab.store.classes` (classes and their
instructor's dashboard) and :mod:`rnnlab.store.migrations`.
"""

from rnnlab.store.classes import ClassError, ClassInfo, ClassStore, Member, Membership, NewClass
from rnnlab.store.progress import AnswerRecord, Progress, ProgressStore

__all__ = ["AnswerRecord", "ClassError", "ClassInfo", "ClassStore", "Member", "Membership", "NewClass", "Progress",
           "ProgressStore"]
