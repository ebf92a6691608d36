"""What runs in RQ's work horse for a Redis job (the server's side is :mod:`rnnlab.runtime.redis_queue`).

``rnnlab worker`` (``make_worker``) takes jobs off the RQ queue ``rnnlab``; RQ
forks a work horse per job, which runs ``run_job``: it takes the job (``BEGIN``:
unless cancelled meanwhile), beats a heartbeat, and runs the same
``worker.perform`` as the embedded queue's processes, with Redis behind its
queue (``_Events``) and its cancel flag (``_Cancel``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

import redis
import rq

from rnnlab.runtime import worker
from rnnlab.runtime.redis_queue import (ALIVE_S, BEAT, BEAT_S, BEGIN, CANCEL_CHECK_S, EVENTS_KEPT, FINISH, PROGRESS,
                                        QUEUE, Keys, _finish_args, connect)

log = logging.getLogger(__name__)

def make_worker(url: str) -> rq.Worker:
    """An RQ worker on the ``rnnlab`` queue (``QueueUnreachable`` if Redis does not answer)."""
    connection = connect(url)
    return rq.Worker([rq.Queue(QUEUE, connection=connection)], connection=connection)


class _Events:
    """What ``worker.perform`` puts its messages on: progress into the job's stream, the end through ``FINISH``."""

    def __init__(self, connection: redis.Redis, job_id: str, keep_s: float):
        self.job_id, self.keys, self.keep_s = job_id, Keys(job_id), keep_s
        self.progress, self.finish = connection.register_script(PROGRESS), connection.register_script(FINISH)

    def put(self, message: tuple[str, dict]) -> None:
        kind, data = message
        keys = self.keys
        if kind == "progress":
            self.progress(keys=[keys.job, keys.events], args=[json.dumps(data, separators=(",", ":")), EVENTS_KEPT])
        else:
            self.finish(keys=[keys.job, keys.events, keys.cancel, keys.alive],
                        args=_finish_args(self.job_id, kind, data, self.keep_s, require="running"))


class _Cancel:
    """The ``cancel`` flag ``worker.perform`` checks: set here (time limit, job ended elsewhere) or in Redis."""

    def __init__(self, connection: redis.Redis, job_id: str):
        self.connection, self.key = connection, Keys(job_id).cancel
        self.flag, self.checked_at = threading.Event(), float("-inf")

    def set(self) -> None:
        self.flag.set()

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.flag.is_set() and now - self.checked_at >= CANCEL_CHECK_S:
            self.checked_at = now
            if self.connection.exists(self.key):
                self.flag.set()
        return self.flag.is_set()


def _beat(connection: redis.Redis, job_id: str, cancel: _Cancel) -> None:
    """Keep the job's heartbeat alive from a thread; stop the run if someone else ended the job."""
    keys, beat = Keys(job_id), connection.register_script(BEAT)

    def loop() -> None:
        while True:
            try:
                if not beat(keys=[keys.job, keys.alive], args=[int(ALIVE_S * 1000)]):
                    cancel.set()
                    return
            except redis.RedisError as exc:
                log.warning("job %s: heartbeat failed: %s", job_id, exc)
            time.sleep(BEAT_S)

    threading.Thread(target=loop, name="heartbeat", daemon=True).start()


def run_job(job_id: str, module_name: str, params_json: str, time_limit_s: float, grace_s: float,
            interval_s: float, keep_s: float) -> str:
    """The RQ task: train one job in this work horse, its events to Redis."""
    worker.die_with_parent(None, os.getppid())  # an `rnnlab worker` killed outright takes its job with it
    worker.one_blas_thread()
    os.nice(worker.WORKER_NICENESS)  # a server on the same machine answers pages first
    connection = rq.get_current_job().connection
    keys = Keys(job_id)
    begin = connection.register_script(BEGIN)
    if not begin(keys=[keys.job, keys.alive], args=[int(ALIVE_S * 1000), socket.gethostname(), os.getpid()]):
        return "cancelled before it started"
    cancel, overtime = _Cancel(connection, job_id), threading.Event()
    worker.keep_time_limit(time_limit_s, grace_s, cancel, overtime, ask_after_s=time_limit_s)
    _beat(connection, job_id, cancel)
    worker.perform(module_name, params_json, _Events(connection, job_id, keep_s), cancel, interval_s,
                   time_limit_s, overtime)
    return "done"
