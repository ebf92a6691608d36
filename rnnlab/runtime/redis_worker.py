"""What runs in RQ's work horse for a Redis job (the server's side is :mod:`rnnlab.runtime.redis_queue`).

``rnnlab worker`` (``make_worker``) takes jobs off the RQ queue ``rnnlab``; RQ
forks a work horse per job, which runs ``run_job``: it takes the job (``BEGIN``:
unless cancelled meanwhile), beats a heartbeat, and runs the same
``worker.perform`` as the embedded queue's processes, with Redis behind its
queue (``_Events``) and its cancel flag (``_Cancel``).

Redis going away: a job in training goes on without it, saying so once in the
worker's log (its progress is not recorded meanwhile, and its end is tried for
up to FINISH_RETRY_S). A Redis back with its data gets the rest of the job; one
back empty (restarted, keeping nothing) no longer has the job, and the
heartbeat's ``BEAT`` then stops it. RQ's worker waits for Redis by itself while
idle; should it give up mid-job (it quits when a call of its own fails), ``work``
says so in one sentence, waits for Redis and goes on with a new RQ worker.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from typing import Callable

import redis
import redis.retry
import rq

from rnnlab.runtime import worker
from rnnlab.runtime.redis_queue import (ALIVE_S, BEAT, BEAT_S, BEGIN, CANCEL_CHECK_S, EVENTS_KEPT, FINISH, PROGRESS,
                                        QUEUE, UNAVAILABLE, Keys, QueueUnreachable, _finish_args, _timeouts, connect,
                                        shown_url)

log = logging.getLogger(__name__)

FINISH_RETRY_S = 20.0  # a job's end is tried this long on a Redis that does not answer (a follower waits as long)
RETRY_S = 0.5  # ... this often
RECONNECT_S = 1.0  # a worker that RQ gave up on asks Redis this often whether it answers again
MAX_WAIT_S = 5.0  # RQ's idle worker asks a Redis that went away at most this far apart (RQ's own: up to 60 s)


class _OneLineWhenRedisIsDown(logging.Filter):
    """RQ logs a traceback when it quits because Redis stopped answering: one line says as much."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], UNAVAILABLE) and isinstance(record.args, tuple):
            record.msg, record.args = f"{record.msg} (Redis does not answer: %s)", (*record.args, record.exc_info[1])
            record.exc_info = record.exc_text = None
        return True


_ONE_LINE = _OneLineWhenRedisIsDown()


def make_worker(url: str) -> rq.Worker:
    """An RQ worker on the ``rnnlab`` queue (``QueueUnreachable`` if Redis does not answer)."""
    logging.getLogger("rq.worker").addFilter(_ONE_LINE)  # once: a logger keeps one of each filter
    connection = connect(url)
    rq_worker = rq.Worker([rq.Queue(QUEUE, connection=connection)], connection=connection)
    rq_worker.max_connection_wait_time = MAX_WAIT_S  # back to work within seconds of Redis coming back
    return rq_worker


def work(url: str, burst: bool, say: Callable[[str], None]) -> None:
    """Train jobs from Redis until stopped (Ctrl+C), or with ``burst`` until the queue is empty. If RQ's worker
    quits because Redis stopped answering mid-job, say so, wait for Redis and carry on with a new one."""
    rq_worker = make_worker(url)  # QueueUnreachable: the caller says so
    until = "until the queue is empty" if burst else "Ctrl+C stops"
    say(f"rnnlab: worker {rq_worker.name} training jobs from {shown_url(url)} (RQ queue '{QUEUE}'; {until})")
    while True:
        try:
            rq_worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
            if rq_worker._stop_requested or burst or _answers(url):
                return  # stopped, done, or quit for a reason of its own (in RQ's log)
        except KeyboardInterrupt:  # Ctrl+C before RQ's own handler is in place: leave no worker registered
            rq_worker.teardown()
            return
        except UNAVAILABLE:  # RQ quit, and could not even unregister itself
            pass
        _abandon(rq_worker)
        say(f"rnnlab: Redis at {shown_url(url)} stopped answering mid-job, so that job is lost; waiting for Redis "
            "to come back (Ctrl+C stops)")
        try:
            while (rq_worker := _worker_when_answering(url)) is None:
                time.sleep(RECONNECT_S)
        except KeyboardInterrupt:
            return
        say(f"rnnlab: Redis answers again; worker {rq_worker.name} training jobs")


def _abandon(rq_worker: rq.Worker) -> None:
    """Stop what an RQ worker that quit without Redis left running: its job in hand (RQ no longer watches it;
    its learner is told) and its pubsub thread (which would retry for ever)."""
    if rq_worker.horse_pid:
        rq_worker.kill_horse()
        rq_worker.wait_for_horse()
    if rq_worker.pubsub_thread is not None:
        rq_worker.pubsub_thread.stop()


def _answers(url: str) -> bool:
    try:
        connect(url).close()
        return True
    except QueueUnreachable:
        return False


def _worker_when_answering(url: str) -> rq.Worker | None:
    try:
        return make_worker(url)
    except QueueUnreachable:
        return None


class _Outage:
    """Redis stopping answering a job's process, said once per outage rather than at every call."""

    def __init__(self, job_id: str):
        self.job_id, self.since = job_id, None
        self.lock = threading.Lock()  # the heartbeat's thread and the training's

    def attempt(self, call: Callable[[], object]) -> tuple[bool, object]:
        """``(True, call())``, or ``(False, None)`` if Redis does not answer."""
        try:
            value = call()
        except UNAVAILABLE as exc:
            with self.lock:
                if self.since is None:
                    self.since = time.monotonic()
                    log.warning("job %s: Redis stopped answering (%s); training goes on, its progress unrecorded "
                                "until Redis is back", self.job_id, exc)
            return False, None
        with self.lock:
            if self.since is not None:
                log.warning("job %s: Redis answers again after %.0f s", self.job_id, time.monotonic() - self.since)
                self.since = None
        return True, value


class _Events:
    """What ``worker.perform`` puts its messages on: progress into the job's stream, the end through ``FINISH``."""

    def __init__(self, connection: redis.Redis, job_id: str, keep_s: float, outage: _Outage):
        self.job_id, self.keys, self.keep_s, self.outage = job_id, Keys(job_id), keep_s, outage
        self.progress, self.finish = connection.register_script(PROGRESS), connection.register_script(FINISH)

    def put(self, message: tuple[str, dict]) -> None:
        kind, data = message
        keys = self.keys
        if kind == "progress":  # skipped while Redis does not answer: the next one says as much
            self.outage.attempt(lambda: self.progress(keys=[keys.job, keys.events],
                                                      args=[json.dumps(data, separators=(",", ":")), EVENTS_KEPT]))
            return
        args = _finish_args(self.job_id, kind, data, self.keep_s, require="running")
        deadline = time.monotonic() + FINISH_RETRY_S
        while not self.outage.attempt(lambda: self.finish(keys=[keys.job, keys.events, keys.cancel, keys.alive],
                                                          args=args))[0]:
            if time.monotonic() >= deadline:
                log.warning("job %s: its end (%s) is lost: Redis did not answer for %.0f s", self.job_id, kind,
                            FINISH_RETRY_S)
                return
            time.sleep(RETRY_S)


class _Cancel:
    """The ``cancel`` flag ``worker.perform`` checks: set here (time limit, job ended elsewhere) or in Redis."""

    def __init__(self, connection: redis.Redis, job_id: str, outage: _Outage):
        self.connection, self.key, self.outage = connection, Keys(job_id).cancel, outage
        self.flag, self.checked_at = threading.Event(), float("-inf")

    def set(self) -> None:
        self.flag.set()

    def is_set(self) -> bool:
        now = time.monotonic()
        if not self.flag.is_set() and now - self.checked_at >= CANCEL_CHECK_S:
            self.checked_at = now
            if self.outage.attempt(lambda: self.connection.exists(self.key))[1]:  # no answer: not cancelled
                self.flag.set()
        return self.flag.is_set()


def _beat(connection: redis.Redis, job_id: str, cancel: _Cancel, outage: _Outage) -> None:
    """Keep the job's heartbeat alive from a thread; stop the run if someone else ended the job (or a Redis
    back from a restart no longer has it)."""
    keys, beat = Keys(job_id), connection.register_script(BEAT)

    def loop() -> None:
        while True:
            try:
                answered, alive = outage.attempt(lambda: beat(keys=[keys.job, keys.alive], args=[int(ALIVE_S * 1000)]))
                if answered and not alive:
                    cancel.set()
                    return
            except redis.RedisError as exc:
                log.warning("job %s: heartbeat failed: %s", job_id, exc)
            time.sleep(BEAT_S)

    threading.Thread(target=loop, name="heartbeat", daemon=True).start()


def _own_client(rq_connection: redis.Redis) -> redis.Redis:
    """A client to the same Redis with the server's timeouts: RQ waits minutes on its own (for its BLPOP), a
    job's calls should find out in seconds that Redis stopped answering."""
    pool = rq_connection.connection_pool
    kwargs = {**pool.connection_kwargs, **_timeouts(redis.retry.Retry)}
    return redis.Redis(connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs))


def run_job(job_id: str, module_name: str, params_json: str, time_limit_s: float, grace_s: float,
            interval_s: float, keep_s: float) -> str:
    """The RQ task: train one job in this work horse, its events to Redis."""
    worker.die_with_parent(None, os.getppid())  # an `rnnlab worker` killed outright takes its job with it
    worker.one_blas_thread()
    os.nice(worker.WORKER_NICENESS)  # a server on the same machine answers pages first
    connection = _own_client(rq.get_current_job().connection)
    keys = Keys(job_id)
    begin = connection.register_script(BEGIN)
    if not begin(keys=[keys.job, keys.alive], args=[int(ALIVE_S * 1000), socket.gethostname(), os.getpid()]):
        return "cancelled before it started"
    outage = _Outage(job_id)
    cancel, overtime = _Cancel(connection, job_id, outage), threading.Event()
    worker.keep_time_limit(time_limit_s, grace_s, cancel, overtime)
    _beat(connection, job_id, cancel, outage)
    worker.perform(module_name, params_json, _Events(connection, job_id, keep_s, outage), cancel, interval_s,
                   time_limit_s, overtime)
    return "done"
