"""``StoredResults``: quick experiments' results in the store's ``results`` table, shared by
every server process on the database (and every replica, on PostgreSQL).

The second level of ``rnnlab.runtime.cache.ResultCache``: rows are keyed by a
SHA-256 that already names the experiment, its params and the code version, so
this module only keeps bytes. At most ``max_rows`` rows: a ``put`` deletes the
least recently used beyond that. ``used_at`` moves on a ``get`` at most once per
``touch_s``, so a hit is a read, and a write only now and then.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from rnnlab.store.progress import ProgressStore
from rnnlab.store.tables import results

TOUCH_S = 60.0  # a row's used_at moves at most this often


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC


class StoredResults:
    """Payloads by key in ``store``'s database, at most ``max_rows`` of them."""

    def __init__(self, store: ProgressStore, max_rows: int, touch_s: float = TOUCH_S):
        self.store, self.max_rows, self.touch_s = store, max_rows, touch_s

    def get(self, key: str) -> bytes | None:
        """The payload kept under ``key``, or None."""
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(results.c.body, results.c.used_at).where(results.c.key == key)).first()
        if row is None:
            return None
        now = datetime.now(timezone.utc)
        if now - _utc(row.used_at) > timedelta(seconds=self.touch_s):
            with self.store.writing() as conn:
                conn.execute(results.update().where(results.c.key == key).values(used_at=now))
        return bytes(row.body)

    def put(self, key: str, experiment: str, body: bytes) -> None:
        """Keep ``body`` under ``key`` (another process that kept it first wins: the bytes are the same),
        then drop the least recently used rows beyond ``max_rows``."""
        if self.max_rows == 0:
            return
        newest_first = sa.select(results.c.key).order_by(results.c.used_at.desc(), results.c.key)
        try:
            with self.store.writing() as conn:
                conn.execute(results.insert().values(key=key, experiment=experiment, body=body,
                                                     used_at=datetime.now(timezone.utc)))
                conn.execute(results.delete().where(results.c.key.in_(newest_first.offset(self.max_rows))))
        except sa.exc.IntegrityError:
            pass

    def __len__(self) -> int:
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(results)).scalar_one()
