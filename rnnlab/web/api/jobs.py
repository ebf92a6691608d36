"""Training jobs: ``POST /api/jobs`` starts one, ``GET /api/jobs/{id}/events`` streams it, ``DELETE`` cancels."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, AsyncIterator, Mapping

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from rnnlab.experiments import runner
from rnnlab.runtime.local import Event, Job, JobManager, TooManyJobs
from rnnlab.web.deps import find_experiment, get_experiments, get_job, get_jobs, get_settings, params_or_422
from rnnlab.web.settings import Settings

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

_NUMBERS = {1: "one training job is", 2: "two training jobs are", 3: "three training jobs are"}


class JobRequest(BaseModel):
    experiment: str = Field(description="the id of a job experiment")
    params: dict[str, Any] = Field(default_factory=dict, description="its Params, as JSON")


@router.post("", status_code=201)
async def start_job(
    body: JobRequest,
    experiments: Mapping[str, ModuleType] = Depends(get_experiments),
    jobs: JobManager = Depends(get_jobs),
    settings: Settings = Depends(get_settings),
) -> dict[str, str]:
    """Start a training job in its own process (an ``async def``: the watcher lives on the event loop)."""
    module = find_experiment(experiments, body.experiment)
    if module.KIND != "job":
        raise HTTPException(409, f"'{module.ID}' is quick: run it with POST /api/experiments/{module.ID}")
    params = params_or_422(module, body.params)
    limit_s = runner.time_limit_s(module, settings.job_time_limits, settings.job_time_limit_s)
    try:
        job = jobs.start(module, params, limit_s)
    except TooManyJobs as exc:
        running = _NUMBERS.get(jobs.max_jobs, f"{jobs.max_jobs} training jobs are")
        raise HTTPException(429, f"{running} already running — wait for one to finish or cancel it") from exc
    return {"id": job.id}


@router.get("/{job_id}/events")
async def job_events(job: Job = Depends(get_job), jobs: JobManager = Depends(get_jobs)) -> StreamingResponse:
    """Server-sent events: the latest progress, each new one, then ``result``, ``error`` or ``cancelled``."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_sse(jobs.follow(job)), media_type="text/event-stream", headers=headers)


@router.delete("/{job_id}")
async def cancel_job(job: Job = Depends(get_job), jobs: JobManager = Depends(get_jobs)) -> dict[str, str]:
    jobs.cancel(job.id)
    return {"id": job.id, "state": "stopping" if job.running else job.final.kind}


async def _sse(events: AsyncIterator[Event | None]) -> AsyncIterator[str]:
    async for event in events:
        if event is None:
            yield ": keep-alive\n\n"
        else:
            yield f"event: {event.kind}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"
