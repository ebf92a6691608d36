"""Running an experiment module: describe it, validate its params, turn its result into JSON.

Shared by the web API, the job worker processes and the CLI, so all three give
the same answers. Nothing here imports numpy or altair; the modules do.
"""

from __future__ import annotations

import json
import math
from types import ModuleType
from typing import Any, Mapping

from pydantic import BaseModel

KINDS = ("quick", "job")
REQUIRED = ("ID", "TITLE", "STEP", "KIND", "Params", "Result", "run", "chart")


def describe(module: ModuleType) -> dict[str, Any]:
    """What ``GET /api/experiments`` lists for one module."""
    return {
        "id": module.ID,
        "title": module.TITLE,
        "step": module.STEP,
        "kind": module.KIND,
        "params_schema": module.Params.model_json_schema(),
    }


def parse_params(module: ModuleType, raw: Mapping[str, Any] | None) -> BaseModel:
    """``module.Params`` from JSON-like values; raises pydantic.ValidationError when they don't fit."""
    return module.Params.model_validate(dict(raw or {}))


def payload(module: ModuleType, result: BaseModel, validate: bool = True) -> dict[str, Any]:
    """``{"spec": <Vega-Lite dict>, "result": <JSON-able dict>}`` for a result.

    ``validate=False`` skips Altair's check of the spec against the Vega-Lite
    schema, which costs more than building the chart: progress updates (sent
    several times a second) and the server's quick experiments skip it. The
    charts are our code, not the learner's input: the tests check every quick
    experiment's chart with each control at each end of its range
    (``tests/experiments/test_charts.py``), and a job's final result is
    always checked. NaN and infinities, which JSON cannot carry, become null
    (a gap in the chart).
    """
    data = {
        "spec": module.chart(result).to_dict(validate=validate),
        "result": result.model_dump(mode="json"),
    }
    try:
        json.dumps(data, allow_nan=False)
    except ValueError:
        data = _finite(data)
    return data


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def evaluate(module: ModuleType, params: BaseModel, validate: bool = True) -> dict[str, Any]:
    """Run a quick experiment to the end and return its payload (``validate``: as ``payload``'s)."""
    return payload(module, module.run(params), validate=validate)


def time_limit_s(module: ModuleType, overrides: Mapping[str, float], default: float) -> float:
    """A job's time limit: the settings' per-experiment override, else the module's TIME_LIMIT_S, else ``default``."""
    if module.ID in overrides:
        return float(overrides[module.ID])
    return float(getattr(module, "TIME_LIMIT_S", default))


def contract_problems(module: ModuleType) -> list[str]:
    """Everything in ``module`` that breaks the contract of :mod:`rnnlab.experiments.base` (empty if none)."""
    name = getattr(module, "ID", None) or getattr(module, "__name__", "an experiment")
    problems = [f"{name}: no {attr}" for attr in REQUIRED if not hasattr(module, attr)]
    if problems:
        return problems
    if module.KIND not in KINDS:
        problems.append(f"{name}: KIND must be one of {KINDS}, not {module.KIND!r}")
    if not isinstance(module.STEP, int) or not 0 <= module.STEP <= 8:
        problems.append(f"{name}: STEP must be 0 (the lab) or 1..8, not {module.STEP!r}")
    for cls in ("Params", "Result"):
        if not (isinstance(getattr(module, cls), type) and issubclass(getattr(module, cls), BaseModel)):
            problems.append(f"{name}: {cls} must be a pydantic model")
    if not problems:
        try:
            module.Params()
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            problems.append(f"{name}: Params() must work with its defaults ({exc})")
    return problems


def warm_up(modules) -> None:
    """Call ``warm_up()`` on every module that has one (each trains and memoises its small
    models, seeded, so later runs are fast), in the order given; a failure is logged, not raised."""
    import logging

    for module in modules:
        hook = getattr(module, "warm_up", None)
        if hook is None:
            continue
        try:
            hook()
        except Exception:  # a warm-up is an optimisation: the first request would train instead
            logging.getLogger(__name__).exception("warm-up of %s failed", module.ID)
