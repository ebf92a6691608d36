"""``GET /api/experiments`` lists them; ``POST /api/experiments/{id}`` runs a quick one."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Mapping

from fastapi import APIRouter, Body, Depends, HTTPException
from fastapi.responses import Response

from rnnlab.experiments import Diverged, runner
from rnnlab.runtime.cache import ResultCache
from rnnlab.web.deps import get_experiment, get_experiments, get_results, params_or_422

router = APIRouter(prefix="/api/experiments", tags=["experiments"])


@router.get("")
def list_experiments(experiments: Mapping[str, ModuleType] = Depends(get_experiments)) -> list[dict[str, Any]]:
    return [runner.describe(module) for module in experiments.values()]


@router.post("/{experiment_id}", response_class=Response,
             responses={200: {"content": {"application/json": {}}, "description": '{"spec", "result"}'}})
def run_experiment(
    module: ModuleType = Depends(get_experiment),
    params: dict[str, Any] | None = Body(None),
    results: ResultCache = Depends(get_results),
) -> Response:
    """Run a quick experiment (in the thread pool: this is a plain ``def``) and return its chart and result,
    as JSON bytes from the process's result cache when these params were asked for before."""
    if module.KIND != "quick":
        raise HTTPException(409, f"'{module.ID}' trains in the background: start it with POST /api/jobs")
    parsed = params_or_422(module, params)
    try:
        return Response(results.get(module, parsed), media_type="application/json")
    except Diverged as exc:
        raise HTTPException(422, str(exc) or "these settings make the model diverge") from None
