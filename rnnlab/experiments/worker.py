"""What runs inside a job's worker process (started by :mod:`rnnlab.experiments.jobs`).

The worker imports the experiment module by name, runs it with a progress
callback, and puts messages ``(kind, data)`` on the queue:

    ("progress", {"fraction", "spec", "result"})   at most once per ``interval_s`` (see Reporter)
    ("result", {"spec", "result"})                  once, at the end
    ("error", {"message"})                          ``Diverged`` or any other failure
    ("cancelled", {})                               the cancel event was set

It runs with one BLAS thread (set before numpy loads: nothing heavy is imported
at the top of this module) and at a lower CPU priority than the server.
"""

from __future__ import annotations

import importlib
import logging
import os
import time

from rnnlab.experiments.base import Cancelled, Diverged
from rnnlab.experiments.runner import payload

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 300  # characters of an unexpected error shown to the learner
CHART_SHARE = 0.2  # at most this share of a job's time goes into building progress charts
WORKER_NICENESS = 10  # training yields the CPU to the server, which answers the page


class Reporter:
    """The ``progress(partial, fraction)`` callback a job's ``run`` receives.

    It raises ``Cancelled`` once the cancel event is set, and sends a progress
    message at most every ``interval_s`` -- less often when the experiment's
    chart is slow to build, so that training keeps most of the time.
    """

    def __init__(self, module, queue, cancel, interval_s: float):
        self.module, self.queue, self.cancel, self.interval_s = module, queue, cancel, interval_s
        self.next_at = float("-inf")

    def __call__(self, partial, fraction: float) -> None:
        if self.cancel.is_set():
            raise Cancelled("the job was stopped")
        start = time.monotonic()
        if start < self.next_at:
            return
        data = {"fraction": min(max(float(fraction), 0.0), 1.0), **payload(self.module, partial, validate=False)}
        self.queue.put(("progress", data))
        cost = time.monotonic() - start
        self.next_at = start + max(self.interval_s, cost / CHART_SHARE)


def one_blas_thread() -> None:
    """Small RNNs are bound by per-step overhead: a multithreaded BLAS only adds contention."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # in case numpy was already loaded before the variables were set


def main(module_name: str, params_json: str, queue, cancel, interval_s: float) -> None:
    """The worker process's entry point."""
    one_blas_thread()
    os.nice(WORKER_NICENESS)  # the server (the learner's clicks) goes first when the cores are busy
    try:
        module = importlib.import_module(module_name)
        params = module.Params.model_validate_json(params_json)
        result = module.run(params, Reporter(module, queue, cancel, interval_s))
        queue.put(("result", payload(module, result)))
    except Cancelled:
        queue.put(("cancelled", {}))
    except Diverged as exc:
        queue.put(("error", {"message": str(exc) or "training diverged (the loss became NaN or infinite)"}))
    except Exception as exc:  # noqa: BLE001 - any failure becomes an error event, never a dead stream
        log.exception("experiment %s failed", module_name)
        message = f"the experiment failed: {type(exc).__name__}: {exc}"
        queue.put(("error", {"message": message[:MESSAGE_LIMIT]}))
