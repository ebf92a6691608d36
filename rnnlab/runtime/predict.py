"""Run a predict check's experiment and measure its result: the live model's
number (or choice) that the learner's prediction is graded against.

The experiment runs through ``rnnlab.experiments.runner`` exactly as the page's
widget runs it, at the check's params (the rest are the experiment's defaults).
Only quick experiments can be predicted: grading happens inside the request.
Runs are seeded, so a measurement is memoised per (experiment, params, measure);
given the server's ``ResultCache``, the result comes from it (the same entry the
page's widget fills, shared by every server process) instead of a run of its own.

Running an experiment is the runtime's job: the lesson only names what to run and
grades against what comes back (``rnnlab.lesson.grade(check, answer, measurement)``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from rnnlab.experiments import runner
from rnnlab.lesson.measures import MEASURES
from rnnlab.lesson.models import Check
from rnnlab.runtime.cache import ResultCache


@functools.lru_cache(maxsize=64)
def _measure(module: ModuleType, params_json: str, measure: str,
             results: ResultCache | None) -> tuple[tuple[str, Any], ...]:
    params = runner.parse_params(module, json.loads(params_json))
    return tuple(MEASURES[measure](_result(module, params, results)).items())


def _result(module: ModuleType, params: BaseModel, results: ResultCache | None) -> BaseModel:
    if results is not None:
        try:  # a result whose NaN became null in JSON no longer validates: run it instead
            return module.Result.model_validate(json.loads(results.get(module, params))["result"])
        except ValidationError:
            pass
    return module.run(params)


def measure(check: Check, experiments: Mapping[str, ModuleType] | None = None,
            results: ResultCache | None = None) -> dict[str, Any]:
    """``{"value": ..., facts...}`` for ``check`` from the live experiment in
    ``experiments`` (default: every registered experiment, ``registry.EXPERIMENTS``),
    its result taken from ``results`` when given.

    Raises LookupError when the experiment is not registered and ValueError when
    it is not a quick one (both are mistakes in the lesson, not in the answer).
    """
    if experiments is None:
        from rnnlab.experiments.registry import EXPERIMENTS as experiments  # imports the engine: only when needed
    spec = check.prediction
    module = experiments.get(spec.experiment)
    if module is None:
        raise LookupError(f"the experiment {spec.experiment!r} of check {check.id!r} is not registered")
    if module.KIND != "quick":
        raise ValueError(f"check {check.id!r}: only quick experiments can grade a prediction, "
                         f"{spec.experiment!r} is a {module.KIND}")
    return dict(_measure(module, json.dumps(spec.params, sort_keys=True), spec.measure, results))
