"""Training jobs: ``POST /api/jobs`` starts one, ``GET /api/jobs/{id}/events`` streams it, ``DELETE`` cancels.

Whichever queue runs them (``app.state.jobs``, a ``JobQueue``), and whichever
server process started them: anyone with a job's id may follow it; only the
learner who started it may cancel it.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any, AsyncIterator, Mapping

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from rnnlab.experiments import runner
from rnnlab.runtime.jobs import Event, JobQueue, JobRefused, JobStatus, NoSuchJob, Owner
from rnnlab.web.deps import (find_experiment, get_experiments, get_job, get_jobs, get_learner_id, get_owner,
                             get_settings, no_such_job, params_or_422)
from rnnlab.web.settings import Settings

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


class JobRequest(BaseModel):
    experiment: str = Field(description="the id of a job experiment")
    params: dict[str, Any] = Field(default_factory=dict, description="its Params, as JSON")


@router.post("", status_code=201)
async def start_job(
    body: JobRequest,
    experiments: Mapping[str, ModuleType] = Depends(get_experiments),
    jobs: JobQueue = Depends(get_jobs),
    owner: Owner = Depends(get_owner),
    settings: Settings = Depends(get_settings),
) -> dict[str, str]:
    """Start a training job; 429 with the reason when a limit (the learner's, the class's, the machine's) says no."""
    module = find_experiment(experiments, body.experiment)
    if module.KIND != "job":
        raise HTTPException(409, f"'{module.ID}' is quick: run it with POST /api/experiments/{module.ID}")
    params = params_or_422(module, body.params)
    limit_s = runner.time_limit_s(module, settings.job_time_limits, settings.job_time_limit_s)
    return {"id": await start_or_429(jobs, module, params, limit_s, owner)}


async def start_or_429(jobs: JobQueue, module: ModuleType, params: BaseModel, limit_s: float, owner: Owner) -> str:
    """The new job's id, or HTTP 429 with the limit's sentence."""
    try:
        return await jobs.start(module, params, limit_s, owner)
    except JobRefused as exc:
        raise HTTPException(429, str(exc)) from None


@router.get("/{job_id}/events")
async def job_events(job: JobStatus = Depends(get_job), jobs: JobQueue = Depends(get_jobs)) -> StreamingResponse:
    """Server-sent events: the latest progress, each new one, then ``result``, ``error`` or ``cancelled``."""
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_sse(jobs.follow(job.id)), media_type="text/event-stream", headers=headers)


@router.delete("/{job_id}")
async def cancel_job(job: JobStatus = Depends(get_job), jobs: JobQueue = Depends(get_jobs),
                     learner_id: str = Depends(get_learner_id)) -> dict[str, str]:
    """Ask the job to stop: ``"stopping"``, or how it already ended. Only the learner who started it may."""
    if job.owner.learner_id != learner_id:
        raise HTTPException(403, "this job was started by someone else")
    try:
        job = await jobs.cancel(job.id)
    except NoSuchJob:  # forgotten since the line above (kept for minutes: rare)
        raise no_such_job(job.id) from None
    return {"id": job.id, "state": "stopping" if job.running else job.state}


async def _sse(events: AsyncIterator[Event | None]) -> AsyncIterator[str]:
    async for event in events:
        if event is None:
            yield ": keep-alive\n\n"
        else:
            yield f"event: {event.kind}\ndata: {json.dumps(event.data, separators=(',', ':'))}\n\n"
