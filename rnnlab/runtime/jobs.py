"""Training jobs, whichever queue runs them: what the web app asks of a queue.

A job is one experiment's ``run(params, progress)`` in a process of its own, told
to stop after ``time_limit_s``. Two queues implement ``JobQueue``:

- :class:`rnnlab.runtime.local.LocalJobs`, the embedded default: worker
  processes on this machine, nothing to start;
- :class:`rnnlab.runtime.redis_queue.RedisJobs` (``--queue redis://…``): an RQ
  queue in Redis, trained by ``rnnlab worker`` processes on any machine.

Either way a job's events are the same, and any server process (or replica, for
Redis) can follow or cancel any job:

    ("queued",    {"ahead": n})                    waiting for a worker (Redis only)
    ("progress",  {"fraction", "spec", "result"})  the latest partial result
    ("result",    {"spec", "result"})              the end: the final result
    ("error",     {"message"})                     the end: diverged, failed, time limit
    ("cancelled", {})                              the end: someone cancelled it

Limits are per learner (``Settings.learner_jobs``) and per class
(``Settings.class_jobs``), plus what the queue itself holds: the embedded queue
runs at most ``Settings.max_jobs`` at once on this machine; Redis's workers take
jobs as they free up and the rest wait, in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import AsyncIterator, Protocol

from pydantic import BaseModel

FINAL = frozenset({"result", "error", "cancelled"})


@dataclass(frozen=True)
class Event:
    kind: str  # "queued" | "progress" | "result" | "error" | "cancelled"
    data: dict

    @property
    def final(self) -> bool:
        return self.kind in FINAL


@dataclass(frozen=True)
class Owner:
    """Who started a job: the limits are counted per learner and per class."""

    learner_id: str
    class_code: str | None = None


@dataclass(frozen=True)
class JobStatus:
    id: str
    experiment: str
    owner: Owner
    state: str  # "queued" | "running" | "result" | "error" | "cancelled"

    @property
    def running(self) -> bool:
        return self.state not in FINAL


class JobRefused(Exception):
    """A limit says no; ``str(exc)`` is the sentence the learner reads (HTTP 429)."""


def training_jobs(n: int) -> str:
    return "1 training job" if n == 1 else f"{n} training jobs"


def learner_limit_message(n: int) -> str:
    """Why a learner's start was refused, whichever queue refused it."""
    return f"you already have {training_jobs(n)} running or waiting — wait for one to finish or cancel it"


def class_limit_message(n: int) -> str:
    """Why a start was refused for the learner's class, whichever queue refused it."""
    return f"your class already has {training_jobs(n)} running or waiting — try again in a minute"


class QueueDown(Exception):
    """The queue does not answer right now (its Redis stopped, restarts, or is out of reach); ``str(exc)`` is
    the sentence the learner reads (HTTP 503: nothing is wrong with the request, and nothing of theirs is lost)."""


class QueueUnreachable(Exception):
    """The queue cannot be reached at start-up (``rnnlab serve --queue``, ``rnnlab worker``); ``str(exc)`` says
    where and why."""


class NoSuchJob(KeyError):
    """No job has this id (or it finished longer ago than the queue keeps results)."""


class JobQueue(Protocol):
    async def start(self, module: ModuleType, params: BaseModel, time_limit_s: float, owner: Owner) -> str:
        """Queue ``module.run(params)``; its id. Raises ``JobRefused`` at a limit; any method may raise
        ``QueueDown`` while the queue does not answer (a ``follow`` under way says so in an ``error`` event)."""

    async def status(self, job_id: str) -> JobStatus:
        """Where the job is; raises ``NoSuchJob``."""

    def follow(self, job_id: str) -> AsyncIterator[Event | None]:
        """The job's latest event, then each new one, ending with the final one; ``None`` as a keep-alive."""

    async def cancel(self, job_id: str) -> JobStatus:
        """Ask the job to stop (a queued one never starts); raises ``NoSuchJob``."""

    async def shutdown(self) -> None:
        """The server is going away: stop what this process owns."""
