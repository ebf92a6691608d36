"""The contract every experiment module follows (see DESIGN.md, "Experiments").

An experiment is a module in ``rnnlab/experiments/`` that defines::

    ID = "vanishing-gradients"        # the URL id
    TITLE = "Gradients over distance"  # what the chart shows, in words
    STEP = 4                          # the lesson step it belongs to (0 = the lab)
    KIND = "quick"                    # "quick": answered synchronously; "job": trained in the background
    TIME_LIMIT_S = 60.0               # optional, jobs only: stop after this long (default: Settings.job_time_limit_s)

    class Params(pydantic.BaseModel): ...   # bounded fields with defaults and descriptions
    class Result(pydantic.BaseModel): ...   # JSON-able

    def run(params: Params, progress: Progress | None = None) -> Result: ...
    def chart(result: Result) -> altair.TopLevelMixin: ...

``run`` is pure and seeded: no I/O, printing, clock reads or plotting. A job's
``run`` calls ``progress(partial_result, fraction)`` now and then (at least
twice a second of its own work); the job runner turns each call into a
server-sent event and cancels a job by raising ``Cancelled`` from inside that
call. A run whose loss turns NaN/inf raises ``Diverged`` with a message for
the learner.
"""

from __future__ import annotations

from typing import Protocol


class Cancelled(Exception):
    """Raised inside ``progress`` when the learner cancelled the job (or it ran out of time)."""


class Diverged(Exception):
    """Raised by ``run`` when training blew up (loss NaN or inf); the message is shown to the learner."""


class Progress(Protocol):
    def __call__(self, partial, fraction: float) -> None: ...
