"""Training jobs: each in its own worker process, watched from the server's event loop.

Why processes: a small RNN's training loop is per-step Python that holds the
GIL; in a thread it would compete with the server's requests for it, could not
use a second core, and could not be stopped if it ignored a cancel. Each job gets a process from
the ``spawn`` context (one BLAS thread, a lower CPU priority than the server's,
see :mod:`rnnlab.runtime.worker`) that can be killed outright, and talks
back over a queue. A watcher task on the event loop drains that
queue, enforces the time limit, and after a cancel gives the worker
``grace_s`` to stop before terminating it. The worker does not depend on the
watcher: it holds a lifeline to the server and dies with it (``kill -9``
included), and it keeps its own time limit (see :mod:`rnnlab.runtime.worker`).

``JobManager`` methods are called from the event loop's thread (async handlers).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import secrets
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import AsyncIterator

from pydantic import BaseModel

from rnnlab.runtime import worker

POLL_S = 0.05  # how often a watcher looks at its worker's queue
KEEPALIVE_S = 15.0  # an idle event stream gets a comment this often


class TooManyJobs(Exception):
    """``max_jobs`` are already running."""


@dataclass(frozen=True)
class Event:
    kind: str  # "progress" | "result" | "error" | "cancelled"
    data: dict


@dataclass(eq=False)
class Job:
    id: str
    experiment: str
    time_limit_s: float
    process: multiprocessing.process.BaseProcess
    queue: object  # multiprocessing Queue of (kind, data)
    cancel_event: object  # multiprocessing Event the worker's progress callback checks
    lifeline: multiprocessing.connection.Connection  # the server's end of the pipe whose EOF ends the worker
    started: float = field(default_factory=time.monotonic)
    latest: Event | None = None  # the last progress event
    seq: int = 0  # how many progress events have arrived
    final: Event | None = None  # result, error or cancelled, once finished
    stop_reason: str | None = None  # "cancel" or "timeout" once a stop was asked for
    stop_asked_at: float | None = None
    finished_at: float | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def running(self) -> bool:
        return self.final is None

    def ring(self) -> None:
        """Wake everyone waiting for news of this job."""
        self.changed.set()
        self.changed = asyncio.Event()


class JobManager:
    def __init__(self, max_jobs: int, grace_s: float, keep_s: float, progress_interval_s: float):
        self.max_jobs, self.grace_s, self.keep_s = max_jobs, grace_s, keep_s
        self.progress_interval_s = progress_interval_s
        self.jobs: dict[str, Job] = {}
        self._watchers: set[asyncio.Task] = set()
        self._context = multiprocessing.get_context("spawn")

    def running(self) -> list[Job]:
        return [job for job in self.jobs.values() if job.running]

    def start(self, module: ModuleType, params: BaseModel, time_limit_s: float) -> Job:
        """Start ``module.run(params)`` in a new worker process; raises TooManyJobs at the limit."""
        self._forget_old()
        if len(self.running()) >= self.max_jobs:
            raise TooManyJobs(self.max_jobs)
        loop = asyncio.get_running_loop()  # raises unless called on the event loop's thread
        queue, cancel = self._context.Queue(), self._context.Event()
        lifeline_in, lifeline_out = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker.main,
            args=(module.__name__, params.model_dump_json(), queue, cancel, self.progress_interval_s,
                  time_limit_s, self.grace_s, lifeline_in, os.getpid()),
            name=f"rnnlab-job-{module.ID}",
            daemon=True,
        )
        # The worker asks Linux for SIGKILL when the *thread* that started it exits
        # (PR_SET_PDEATHSIG). This is the event loop's thread (checked above), which
        # lives as long as the server, never a thread-pool thread that could retire
        # while the job trains. (Under a test client the loop runs in a portal
        # thread that ends with the client; its jobs end then, as shutdown() does.)
        process.start()
        lifeline_in.close()  # the worker has its copy; only the server keeps the writing end
        job = Job(secrets.token_urlsafe(9), module.ID, time_limit_s, process, queue, cancel, lifeline_out)
        self.jobs[job.id] = job
        task = loop.create_task(self._watch(job))
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)
        return job

    def get(self, job_id: str) -> Job:
        """The job with this id (running, or finished less than ``keep_s`` ago); KeyError otherwise."""
        self._forget_old()
        return self.jobs[job_id]

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        self._ask_stop(job, "cancel")
        return job

    async def follow(self, job: Job) -> AsyncIterator[Event | None]:
        """The latest progress, then each new one, then the final event; ``None`` as a keep-alive."""
        seen = 0
        while True:
            changed = job.changed
            if job.latest is not None and job.seq != seen:
                seen = job.seq
                yield job.latest
            if job.final is not None:
                yield job.final
                return
            try:
                await asyncio.wait_for(changed.wait(), KEEPALIVE_S)
            except TimeoutError:
                yield None

    async def shutdown(self) -> None:
        """Stop every worker (the server is going away)."""
        for job in self.running():
            job.cancel_event.set()
            job.process.terminate()
        for task in list(self._watchers):
            task.cancel()
        for job in self.jobs.values():
            job.process.join(timeout=1.0)
            self._kill(job)

    # -- the watcher ----------------------------------------------------------

    async def _watch(self, job: Job) -> None:
        while job.running:
            self._drain(job)
            now = time.monotonic()
            if job.running and job.stop_reason is None and now - job.started > job.time_limit_s:
                self._ask_stop(job, "timeout")
            if job.running and job.stop_asked_at is not None and now - job.stop_asked_at > self.grace_s:
                self._kill(job)
                self._finish(job, Event("cancelled", {}))
            elif job.running and not job.process.is_alive():
                self._drain(job)  # the last message may have landed as it exited
                if job.running:
                    code = job.process.exitcode
                    self._finish(job, Event("error", {"message": f"the training process stopped unexpectedly (exit code {code})"}))
            if job.running:
                await asyncio.sleep(POLL_S)
        deadline = time.monotonic() + self.grace_s
        while job.process.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
        self._kill(job)

    def _drain(self, job: Job) -> None:
        while job.running:
            try:
                kind, data = job.queue.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty, or a queue broken by a killed worker
                return
            if kind == "progress":
                job.latest, job.seq = Event(kind, data), job.seq + 1
                job.ring()
            else:
                self._finish(job, Event(kind, data))

    def _finish(self, job: Job, event: Event) -> None:
        if event.kind == "cancelled" and job.stop_reason == "timeout":
            event = Event("error", {"message": worker.time_limit_message(job.time_limit_s)})
        job.final, job.finished_at = event, time.monotonic()
        job.ring()

    def _ask_stop(self, job: Job, reason: str) -> None:
        if job.running and job.stop_reason is None:
            job.stop_reason, job.stop_asked_at = reason, time.monotonic()
            job.cancel_event.set()

    @staticmethod
    def _kill(job: Job) -> None:
        if job.process.is_alive():
            job.process.terminate()
            job.process.join(timeout=1.0)
        if job.process.is_alive():
            job.process.kill()
            job.process.join(timeout=1.0)
        job.lifeline.close()  # the worker is gone (closing it would end the worker anyway)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for job_id, job in list(self.jobs.items()):
            if job.finished_at is not None and now - job.finished_at > self.keep_s and not job.process.is_alive():
                del self.jobs[job_id]
