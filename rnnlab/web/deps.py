"""FastAPI dependencies: what a handler may ask for. Tests point them at a temp database
by building the app with their own ``Settings`` (or override them with
``app.dependency_overrides``).

The dependencies are ``async def``: each only reads what the app already holds,
and FastAPI sends every plain ``def`` dependency to the thread pool — a round
trip per dependency per request, which under a class's load cost more than
the lookup itself (``bench/step_page.py``)."""

from __future__ import annotations

from types import ModuleType
from typing import Mapping

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from rnnlab.experiments import runner
from rnnlab.runtime.jobs import JobQueue, JobStatus, Owner
from rnnlab.runtime.local import Job, JobManager
from rnnlab.lesson import Lesson, load_lesson
from rnnlab.runtime.cache import ResultCache
from rnnlab.store import ProgressStore
from rnnlab.web.settings import Settings


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> ProgressStore:
    return request.app.state.store


async def get_learner_id(request: Request) -> str:
    """The anonymous learner's id, from the signed cookie (set by ``LearnerMiddleware``)."""
    return request.state.learner_id


async def get_experiments(request: Request) -> Mapping[str, ModuleType]:
    return request.app.state.experiments


def find_experiment(experiments: Mapping[str, ModuleType], experiment_id: str) -> ModuleType:
    """The module registered as ``experiment_id``; HTTP 404 if there is none."""
    if experiment_id not in experiments:
        known = ", ".join(experiments) or "none yet"
        raise HTTPException(404, f"there is no experiment '{experiment_id}' (known: {known})")
    return experiments[experiment_id]


async def get_experiment(experiment_id: str, request: Request) -> ModuleType:
    """The experiment module named in the path; 404 if there is none."""
    return find_experiment(request.app.state.experiments, experiment_id)


def params_or_422(module: ModuleType, raw: dict | None) -> BaseModel:
    """``module.Params`` from the request's values; HTTP 422 naming each field that does not fit."""
    try:
        return runner.parse_params(module, raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


async def get_results(request: Request) -> ResultCache:
    """The process's cache of quick experiments' results."""
    return request.app.state.results


async def get_jobs(request: Request) -> JobManager | JobQueue:
    return request.app.state.jobs


async def get_owner(request: Request) -> Owner:
    """Who is starting a job: the learner, and their class (a DB read, so in the thread pool)."""
    learner_id = request.state.learner_id
    return Owner(learner_id, await run_in_threadpool(request.app.state.store.class_of, learner_id))


async def get_job(job_id: str, request: Request) -> Job | JobStatus:
    """The job named in the path; 404 if there is none (finished jobs are kept a few minutes)."""
    jobs = request.app.state.jobs
    try:
        return jobs.get(job_id) if isinstance(jobs, JobManager) else await jobs.status(job_id)
    except KeyError:  # NoSuchJob too
        raise HTTPException(404, f"there is no job '{job_id}' (finished jobs are kept for a few minutes)") from None


async def get_lesson() -> Lesson:
    """The validated lesson (loaded once and cached by ``rnnlab.lesson``)."""
    return load_lesson()
