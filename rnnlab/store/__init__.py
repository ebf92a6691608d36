"""Learner progress: steps visited and completed, every answer, where the learner left off.

``ProgressStore(url)`` speaks SQLAlchemy Core to any database URL; the default
is a SQLite file (WAL, ``synchronous=FULL``: a write that returned survives a
crash of the server). See :mod:`rnnlab.store.progress`.
"""

from rnnlab.store.progress import AnswerRecord, Progress, ProgressStore

__all__ = ["AnswerRecord", "Progress", "ProgressStore"]
