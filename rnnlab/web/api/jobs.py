"""Training jobs: ``POST /api/jobs`` starts one, ``GET /api/jobs/{id}/events`` streams it, ``DELETE`` cancels."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, AsyncIterator, Mapping

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from rnnlab.experiments import runner
from rnnlab.runtime.jobs import JobQueue, JobRefused, JobStatus
from rnnlab.runtime.local import Event, Job, JobManager, TooManyJobs
from rnnlab.web.deps import find_experiment, get_experiments, get_job, get_jobs, get_owner, get_settings, params_or_422
from rnnlab.web.settings import Settings

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

_NUMBERS = {1: "one training job is", 2: "two training jobs are", 3: "three training jobs are"}


class JobRequest(BaseModel):
    experiment: str = Field(description="the id of a job experiment")
    params: dict[str, Any] = Field(default_factory=dict, description="its Params, as JSON")


@router.post("", status_code=201)
async def start_job(
    body: JobRequest,
    request: Request,
    experiments: Mapping[str, ModuleType] = Depends(get_experiments),
    jobs: JobManager | JobQueue = Depends(get_jobs),
    settings: Settings = Depends(get_settings),
) -> dict[str, str]:
    """Start a training job in its own process (an ``async def``: the watcher lives on the event loop)."""
    module = find_experiment(experiments, body.experiment)
    if module.KIND != "job":
        raise HTTPException(409, f"'{module.ID}' is quick: run it with POST /api/experiments/{module.ID}")
    params = params_or_422(module, body.params)
    limit_s = runner.time_limit_s(module, settings.job_time_limits, settings.job_time_limit_s)
    if not isinstance(jobs, JobManager):  # a JobQueue (RedisJobs)
        return {"id": await start_queued(jobs, module, params, limit_s, request)}
    try:
        job = jobs.start(module, params, limit_s)
    except TooManyJobs as exc:
        running = _NUMBERS.get(jobs.max_jobs, f"{jobs.max_jobs} training jobs are")
        raise HTTPException(429, f"{running} already running — wait for one to finish or cancel it") from exc
    return {"id": job.id}


@router.get("/{job_id}/events")
async def job_events(job: Job | JobStatus = Depends(get_job), jobs: JobManager | JobQueue = Depends(get_jobs)) -> StreamingResponse:
    """Server-sent events: the latest progress, each new one, then ``result``, ``error`` or ``cancelled``."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    events = jobs.follow(job) if isinstance(jobs, JobManager) else jobs.follow(job.id)
    return StreamingResponse(_sse(events), media_type="text/event-stream", headers=headers)


@router.delete("/{job_id}")
async def cancel_job(request: Request, job: Job | JobStatus = Depends(get_job),
                     jobs: JobManager | JobQueue = Depends(get_jobs)) -> dict[str, str]:
    if not isinstance(jobs, JobManager):
        if job.owner.learner_id != request.state.learner_id:
            raise HTTPException(403, "this job was started by someone else")
        status = await jobs.cancel(job.id)
        return {"id": job.id, "state": "stopping" if status.running else status.state}
    jobs.cancel(job.id)
    return {"id": job.id, "state": "stopping" if job.running else job.final.kind}


async def start_queued(jobs: JobQueue, module: ModuleType, params: BaseModel, limit_s: float, request: Request) -> str:
    """Start a job on a ``JobQueue``: its id, or a 429 with the limit's sentence."""
    try:
        return await jobs.start(module, params, limit_s, await get_owner(request))
    except JobRefused as exc:
        raise HTTPException(429, str(exc)) from None


async def _sse(events: AsyncIterator[Event | None]) -> AsyncIterator[str]:
    async for event in events:
        if event is None:
            yield ": keep-alive\n\n"
        else:
            yield f"event: {event.kind}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"
