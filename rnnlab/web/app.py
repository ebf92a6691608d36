"""The app factory: ``create_app(settings)`` wires storage, jobs, middleware, routers and error handlers."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rnnlab import __version__
from rnnlab.lesson import load_lesson
from rnnlab.runtime.cache import ResultCache, warm
from rnnlab.runtime.compute import Computer
from rnnlab.runtime.jobs import JobQueue
from rnnlab.runtime.local import LocalJobs
from rnnlab.store import ClassStore, ProgressStore
from rnnlab.store.results import StoredResults
from rnnlab.web import api, errors, instructor, pages
from rnnlab.web.head import HeadAsGet
from rnnlab.web.learner import LearnerMiddleware
from rnnlab.web.limits import JsonTooLarge
from rnnlab.web.security import SecurityMiddleware
from rnnlab.web.settings import Settings
from rnnlab.web.workers import ProcessHeader

STATIC_DIR = Path(__file__).parent / "static"


def job_queue(settings: Settings) -> JobQueue:
    """Redis's RQ queue when ``queue_url`` names one (``rnnlab worker`` processes train, on any machine);
    else the embedded queue: worker processes on this machine, shared by its server processes through ``job_spool``."""
    if settings.queue_url:
        from rnnlab.runtime.redis_queue import RedisJobs  # raises QueueUnreachable when Redis does not answer

        return RedisJobs(settings.queue_url, learner_jobs=settings.learner_jobs, class_jobs=settings.class_jobs,
                         grace_s=settings.job_grace_s, keep_s=settings.job_keep_s,
                         progress_interval_s=settings.progress_interval_s)
    return LocalJobs(settings.job_spool, max_jobs=settings.max_jobs, learner_jobs=settings.learner_jobs,
                     class_jobs=settings.class_jobs, grace_s=settings.job_grace_s, keep_s=settings.job_keep_s,
                     progress_interval_s=settings.progress_interval_s)


def warm_up(app: FastAPI, modules) -> None:
    """What a first request would otherwise wait for: the lesson and every step page's shell (half a
    second), the helper processes that compute quick experiments (if any) and the small models, then the
    quick experiments' results at their defaults."""
    app.state.step_pages.warm(load_lesson())
    if app.state.computer is not None:
        app.state.computer.warm(modules)
    warm(app.state.results, modules)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.experiments is None:
        from rnnlab.experiments.registry import EXPERIMENTS as experiments
    else:
        experiments = settings.experiments
    store = ProgressStore(settings.db_url)
    jobs = job_queue(settings)
    shared = StoredResults(store, settings.result_store_rows) if settings.result_store_rows else None
    computer = Computer(settings.result_processes) if settings.result_processes else None
    results = ResultCache(settings.result_cache_entries, settings.result_cache_bytes, shared, compute=computer)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_up:
            modules = sorted(experiments.values(), key=lambda m: m.STEP)
            threading.Thread(target=warm_up, args=(app, modules), name="warm-up", daemon=True).start()
        yield
        await jobs.shutdown()
        if computer is not None:
            computer.close()
        store.close()

    app = FastAPI(
        title="rnnlab — Networks That Remember",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: the app stays offline (/openapi.json remains)
        redoc_url=None,
    )
    app.state.settings, app.state.store, app.state.jobs, app.state.experiments = settings, store, jobs, experiments
    app.state.results, app.state.computer = results, computer
    app.state.step_pages = pages.steps.StepPages()
    app.state.classes, app.state.secret = ClassStore(store), settings.secret or store.cookie_secret()
    app.add_middleware(
        LearnerMiddleware,
        secret=app.state.secret,
        cookie_name=settings.cookie_name,
        max_age_s=settings.cookie_max_age_s,
    )
    app.add_middleware(JsonTooLarge)
    if settings.workers > 1:
        app.add_middleware(ProcessHeader)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityMiddleware, settings=settings)  # last added runs first: before anything else
    errors.install(app)
    instructor.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in [*api.routers, pages.router]:
        app.include_router(router, max_body_size=settings.body_limit)  # a route may declare its own
    return app
