"""The embedded job queue: each job in a worker process of its own on this machine, shared by all its server processes.

Why processes: a small RNN's training loop is per-step Python that holds the
GIL; in a thread it would compete with the server's requests for it, could not
use a second core, and could not be stopped if it ignored a cancel. Each job gets a process from
the ``spawn`` context (one BLAS thread, a lower CPU priority than the server's,
see :mod:`rnnlab.runtime.worker`) that can be killed outright, and talks
back over a queue.

Why a spool: ``rnnlab serve --workers N`` runs N server processes behind one
port, and a learner's next request may reach any of them. So a job's state
lives in files they all share (:mod:`rnnlab.runtime.spool`), and any of them can
``follow`` a job (it polls those files), ``cancel`` it (it creates the job's
``cancel`` flag) or count it against the limits: ``learner_jobs`` per learner,
``class_jobs`` per class and ``max_jobs`` on this machine, counted under the
spool's lock when a job starts.

Who trains a job: the server process that started it. There, one watcher
thread (``Watcher``) starts every worker and polls them every ``POLL_S``: it
drains each worker's queue into the job's files, enforces the time limit, stops
a job whose ``cancel`` flag appeared, and gives a stopping worker ``grace_s``
before terminating it. One long-lived thread starts the workers because a
worker asks Linux for SIGKILL when the *thread* that started it exits
(``PR_SET_PDEATHSIG``): the watcher lives until ``shutdown``, where a request's
thread (a pool's, or a test client's event loop) may retire while the job trains.

The worker does not depend on the watcher: it holds a lifeline to the server
and dies with it (``kill -9`` included), and it keeps its own time limit (see
:mod:`rnnlab.runtime.worker`). When a server dies, its jobs' followers in the
other processes end with an error saying so (the spool's owner locks tell them).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import secrets
import shutil
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import AsyncIterator

from pydantic import BaseModel

from rnnlab.runtime import worker
from rnnlab.runtime.jobs import (
    Event, JobRefused, JobStatus, NoSuchJob, Owner, class_limit_message, learner_limit_message,
)
from rnnlab.runtime.spool import SERVER_GONE, JobFiles, Spool, make_temp_spool, remove_temp_spool

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often the watcher looks at its workers
FOLLOW_S = 0.05  # how often a follower looks at the job's files (two stats): as often as the watcher drains
OWNER_CHECK_S = 1.0  # how often a follower makes sure the job's server is still there
KEEPALIVE_S = 15.0  # an idle event stream gets a comment this often


def machine_limit_message(n: int) -> str:
    jobs = "1 job" if n == 1 else f"{n} jobs"
    return f"this machine is already training {jobs} — wait for one to finish or cancel it"


@dataclass(eq=False)
class Job:
    """A job this process trains, as its watcher sees it."""

    files: JobFiles
    owner_lock: int  # fd of the job's owner lock: held until its final is written
    module: ModuleType
    params_json: str
    time_limit_s: float
    launched: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    process: multiprocessing.process.BaseProcess | None = None
    queue: object = None  # multiprocessing Queue of (kind, data)
    cancel_event: object = None  # multiprocessing Event the worker's progress callback checks
    lifeline: object = None  # the server's end of the pipe whose EOF ends the worker
    started: float = 0.0
    seq: int = 0  # progress events written so far
    stop_reason: str | None = None  # "cancel" or "timeout" once a stop was asked for
    stop_asked_at: float | None = None
    ended_at: float | None = None  # once its final is written

    @property
    def running(self) -> bool:
        return self.ended_at is None


class Watcher:
    """The thread that starts this process's workers and watches them (see the module's docstring).

    Only this thread touches a ``Job``'s process; other threads hand it jobs (``launch``) and stop it (``close``).
    """

    def __init__(self, grace_s: float, progress_interval_s: float):
        self.grace_s, self.progress_interval_s = grace_s, progress_interval_s
        self._context = multiprocessing.get_context("spawn")
        self._changed = threading.Condition()
        self._new: list[Job] = []  # handed over, not started yet
        self._jobs: list[Job] = []  # started, until their worker is gone
        self._closing = False
        self._thread: threading.Thread | None = None

    def launch(self, job: Job) -> concurrent.futures.Future:
        """Have the thread start the job's worker; the future ends with the job's id once it has."""
        with self._changed:
            if self._closing:
                self._end(job, Event("error", {"message": SERVER_GONE}))
                raise RuntimeError("the job queue has shut down")
            self._new.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rnnlab-jobs", daemon=True)
                self._thread.start()
            self._changed.notify()
        return job.launched

    def close(self) -> None:
        """Stop every worker and the thread (the server is going away; if it starts again, so does the thread)."""
        with self._changed:
            self._closing = True
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10 + 2 * len(self._jobs))
        with self._changed:
            self._closing, self._thread = False, None

    def _run(self) -> None:
        while True:
            with self._changed:
                if not (self._jobs or self._new or self._closing):
                    self._changed.wait()  # idle: nothing to poll
                new, self._new, closing = self._new, [], self._closing
            for job in new:
                if closing:
                    self._refuse(job)
                else:
                    self._start(job)
            if closing:
                self._stop_all()
                return
            for job in list(self._jobs):
                try:
                    self._tick(job)
                except Exception:  # noqa: BLE001 - one job's trouble must not stop the others' watcher
                    log.exception("watching job %s failed", job.files.id)
                    self._kill(job)
                    if job.running:
                        self._end(job, Event("error", {"message": "the server lost track of this job"}))
                    self._jobs.remove(job)
            with self._changed:
                if not (self._new or self._closing):
                    self._changed.wait(POLL_S)

    def _start(self, job: Job) -> None:
        try:
            job.queue, job.cancel_event = self._context.Queue(), self._context.Event()
            lifeline_in, job.lifeline = self._context.Pipe(duplex=False)
            job.process = self._context.Process(
                target=worker.main,
                args=(job.module.__name__, job.params_json, job.queue, job.cancel_event, self.progress_interval_s,
                      job.time_limit_s, self.grace_s, lifeline_in, os.getpid()),
                name=f"rnnlab-job-{job.module.ID}",
                daemon=True,
            )
            job.process.start()  # from this thread, which outlives the job (PR_SET_PDEATHSIG, see the docstring)
            lifeline_in.close()  # the worker has its copy; only the server keeps the writing end
            job.started = time.monotonic()
            job.files.set_worker_pid(job.process.pid)
        except Exception as exc:  # noqa: BLE001 - told to the request that started it
            self._end(job, Event("error", {"message": "the training process could not start"}))
            self._kill(job)
            job.launched.set_exception(exc)
            return
        self._jobs.append(job)
        job.launched.set_result(job.files.id)

    def _refuse(self, job: Job) -> None:
        self._end(job, Event("error", {"message": SERVER_GONE}))
        job.launched.set_exception(RuntimeError("the job queue has shut down"))

    def _tick(self, job: Job) -> None:
        now = time.monotonic()
        if job.running:
            self._drain(job)
            if job.running and job.stop_reason is None:
                if job.files.cancel_asked():
                    self._ask_stop(job, "cancel")
                elif now - job.started > job.time_limit_s:
                    self._ask_stop(job, "timeout")
            if job.running and job.stop_asked_at is not None and now - job.stop_asked_at > self.grace_s:
                self._kill(job)
                self._end(job, Event("cancelled", {}))
            elif job.running and not job.process.is_alive():
                self._drain(job)  # the last message may have landed as it exited
                if job.running:
                    message = f"the training process stopped unexpectedly (exit code {job.process.exitcode})"
                    self._end(job, Event("error", {"message": message}))
        elif not job.process.is_alive() or now - job.ended_at > self.grace_s:
            self._kill(job)  # it ended: the worker gets grace_s to exit on its own
            self._jobs.remove(job)

    def _drain(self, job: Job) -> None:
        """Move what the worker sent into the job's files: only the newest progress matters."""
        latest = end = None
        while end is None:
            try:
                kind, data = job.queue.get_nowait()
            except Exception:  # noqa: BLE001 - queue.Empty, or a queue broken by a killed worker
                break
            if kind == "progress":
                latest = data
            else:
                end = Event(kind, data)
        if latest is not None:
            job.seq += 1
            job.files.write_latest(job.seq, latest)
        if end is not None:
            self._end(job, end)

    def _end(self, job: Job, event: Event) -> None:
        """Write the job's final event, then let go of its owner lock (in that order: see the spool)."""
        if event.kind == "cancelled" and job.stop_reason == "timeout":
            event = Event("error", {"message": worker.time_limit_message(job.time_limit_s)})
        try:
            job.files.write_final(event)
        except OSError:  # its folder is gone (the spool was removed): nobody is left to read it
            log.warning("could not write the end of job %s", job.files.id)
        os.close(job.owner_lock)
        job.ended_at = time.monotonic()

    def _ask_stop(self, job: Job, reason: str) -> None:
        if job.running and job.stop_reason is None:
            job.stop_reason, job.stop_asked_at = reason, time.monotonic()
            job.cancel_event.set()

    def _stop_all(self) -> None:
        for job in self._jobs:
            if job.process.is_alive():
                job.cancel_event.set()
                job.process.terminate()
            if job.running:
                self._end(job, Event("error", {"message": SERVER_GONE}))
        for job in self._jobs:
            job.process.join(timeout=1.0)
            self._kill(job)
        self._jobs.clear()

    @staticmethod
    def _kill(job: Job) -> None:
        if job.process is not None and job.process.is_alive():
            job.process.terminate()
            job.process.join(timeout=1.0)
        if job.process is not None and job.process.is_alive():
            job.process.kill()
            job.process.join(timeout=1.0)
        if job.lifeline is not None:
            job.lifeline.close()  # the worker is gone (closing it would end the worker anyway)


class LocalJobs:
    """The embedded ``JobQueue``: worker processes on this machine, shared through a spool directory.

    ``spool``: the directory this machine's server processes share (``Settings.job_spool``);
    None: a fresh temp dir of this queue's own, emptied at ``shutdown`` and removed with the queue.
    """

    def __init__(self, spool: Path | None, *, max_jobs: int, learner_jobs: int, class_jobs: int | None,
                 grace_s: float, keep_s: float, progress_interval_s: float):
        self.max_jobs, self.learner_jobs, self.class_jobs = max_jobs, learner_jobs, class_jobs
        self.keep_s = keep_s
        self._temp_spool = spool is None
        if spool is None:
            spool, in_use = make_temp_spool()
            weakref.finalize(self, remove_temp_spool, spool, in_use)  # when this queue goes, or Python does
        self.spool = Spool(spool)
        self._watcher = Watcher(grace_s, progress_interval_s)

    async def start(self, module: ModuleType, params: BaseModel, time_limit_s: float, owner: Owner) -> str:
        """Count and reserve (off the event loop: it waits for the spool's lock), then have the watcher start it.

        Both in one thread call: a request cancelled meanwhile cannot leave a reserved job that nobody trains.
        """
        def reserve_and_launch() -> concurrent.futures.Future:
            return self._watcher.launch(self._reserve(module, params, time_limit_s, owner))

        return await asyncio.wrap_future(await asyncio.to_thread(reserve_and_launch))

    async def status(self, job_id: str) -> JobStatus:
        return await asyncio.to_thread(self._status, job_id)

    async def follow(self, job_id: str) -> AsyncIterator[Event | None]:
        """Polls the job's files (see the module's docstring); ``NoSuchJob`` at the first step if there is none."""
        files = self.spool.job(job_id)
        seen, version = 0, None
        quiet_since = owner_checked = time.monotonic()
        while True:
            ended = files.has_final()  # before reading the latest: the owner writes that first
            current = files.latest_version()
            if current is not None and current != version:
                version = current
                latest = await asyncio.to_thread(files.latest)
                if latest is not None and latest.seq > seen:
                    seen, quiet_since = latest.seq, time.monotonic()
                    yield Event("progress", latest.data)
            if ended:
                yield await asyncio.to_thread(files.final) or Event("error", {"message": SERVER_GONE})
                return
            if time.monotonic() - owner_checked > OWNER_CHECK_S:
                owner_checked = time.monotonic()
                final = await asyncio.to_thread(self.spool.end_if_orphaned, files)
                if final is not None and not files.has_final():  # its folder is gone too
                    yield final
                    return
            if time.monotonic() - quiet_since > KEEPALIVE_S:
                quiet_since = time.monotonic()
                yield None
            await asyncio.sleep(FOLLOW_S)

    async def cancel(self, job_id: str) -> JobStatus:
        """Flag the job; its owner's watcher stops it within ``POLL_S`` (``grace_s`` later by force)."""
        def flag() -> None:
            files = self.spool.job(job_id)
            if not files.has_final():
                try:
                    files.ask_cancel()
                except FileNotFoundError:
                    raise NoSuchJob(job_id) from None

        await asyncio.to_thread(flag)
        return await self.status(job_id)

    async def shutdown(self) -> None:
        """Stop the workers this process owns (their followers elsewhere get an error); empty a temp spool."""
        await asyncio.to_thread(self._watcher.close)
        if self._temp_spool:
            shutil.rmtree(self.spool.jobs_dir, ignore_errors=True)  # its folder goes with this queue

    # -- for tests and benchmarks ----------------------------------------------

    def job_ids(self) -> list[str]:
        """Every job in the spool: running, or finished and kept."""
        return self.spool.job_ids()

    def worker_pid(self, job_id: str) -> int | None:
        return self.spool.job(job_id).info()["worker_pid"]

    def latest(self, job_id: str) -> Event | None:
        """The job's latest progress event, if any."""
        latest = self.spool.job(job_id).latest()
        return None if latest is None else Event("progress", latest.data)

    # -- in a thread ------------------------------------------------------------

    def _reserve(self, module: ModuleType, params: BaseModel, time_limit_s: float, owner: Owner) -> Job:
        """Under the spool's lock: count this machine's running jobs, refuse at a limit, or make the job's folder."""
        info = {"experiment": module.ID, "learner_id": owner.learner_id, "class_code": owner.class_code,
                "started": time.time(), "server_pid": os.getpid(), "worker_pid": None}
        with self.spool.locked():
            running = self.spool.running(self.keep_s)
            mine = sum(1 for job in running if job["learner_id"] == owner.learner_id)
            if mine >= self.learner_jobs:
                raise JobRefused(learner_limit_message(mine))
            if owner.class_code is not None and self.class_jobs is not None:
                theirs = sum(1 for job in running if job["class_code"] == owner.class_code)
                if theirs >= self.class_jobs:
                    raise JobRefused(class_limit_message(theirs))
            if len(running) >= self.max_jobs:
                raise JobRefused(machine_limit_message(len(running)))
            files, owner_lock = self.spool.create(secrets.token_urlsafe(9), info)
        return Job(files, owner_lock, module, params.model_dump_json(), time_limit_s)

    def _status(self, job_id: str) -> JobStatus:
        files = self.spool.job(job_id)
        info = files.info()
        state = files.final_kind()
        if state is None and not files.owner_alive():
            ended = self.spool.end_if_orphaned(files)
            state = ended.kind if ended else None
        finished_at = files.finished_at()
        if finished_at is not None and time.time() - finished_at > self.keep_s:
            raise NoSuchJob(job_id)  # removed by the next start's sweep
        owner = Owner(info["learner_id"], info["class_code"])
        return JobStatus(files.id, info["experiment"], owner, state or "running")
