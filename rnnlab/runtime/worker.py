"""What runs inside a job's worker process (started by :mod:`rnnlab.runtime.local`;
:mod:`rnnlab.runtime.redis_queue` runs the same ``perform`` in RQ's work horse).

The worker imports the experiment module by name, runs it with a progress
callback, and puts messages ``(kind, data)`` on the queue:

    ("progress", {"fraction", "spec", "result"})   at most once per ``interval_s`` (see Reporter)
    ("result", {"spec", "result"})                  once, at the end
    ("error", {"message"})                          ``Diverged`` or any other failure
    ("cancelled", {})                               the cancel event was set

It runs with one BLAS thread (set before numpy loads: nothing heavy is imported
at the top of this module) and at a lower CPU priority than the server.

It does not rely on the server to stop it. It dies with the server, however
the server dies (``kill -9`` included; see ``die_with_parent``), and it keeps
its own time limit (``keep_time_limit``) in case the server's watcher is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import logging
import os
import signal
import sys
import threading
import time

from rnnlab.experiments.base import Cancelled, Diverged
from rnnlab.experiments.runner import payload

log = logging.getLogger(__name__)

MESSAGE_LIMIT = 300  # characters of an unexpected error shown to the learner
CHART_SHARE = 0.2  # at most this share of a job's time goes into building progress charts
WORKER_NICENESS = 10  # training yields the CPU to the server, which answers the page
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal this process gets when its parent dies
EXIT_ORPHANED = 70  # exit code of a worker whose server went away
EXIT_OVERTIME = 71  # exit code of a worker that ignored its own cancel past the time limit


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


def time_limit_message(time_limit_s: float) -> str:
    return f"stopped after {time_limit_s:g} s, the time limit for this experiment"


def one_blas_thread() -> None:
    """Small RNNs are bound by per-step overhead: a multithreaded BLAS only adds contention."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # in case numpy was already loaded before the variables were set


def die_with_parent(lifeline, parent_pid: int) -> None:
    """Exit as soon as the server that started this worker dies, by any signal.

    Two guards. On Linux the kernel sends SIGKILL when the parent dies
    (``prctl(PR_SET_PDEATHSIG)``; it fires when the parent *thread* that started
    us exits: in the embedded queue that is `LocalJobs`'s watcher thread, which lives as long as the server).
    Everywhere, a daemon thread blocks reading ``lifeline``, a pipe whose other
    end only the server holds: the kernel closes it when the server dies, the
    read ends with EOF, and the thread ends the process. ``lifeline=None``: the
    first guard only (RQ's work horse, whose parent is the ``rnnlab worker``).
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the server died before the guard was set
        os._exit(EXIT_ORPHANED)
    if lifeline is None:
        return

    def watch() -> None:
        try:
            lifeline.recv()  # the server never sends: this returns only by EOF
        except (EOFError, OSError):
            pass
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def keep_time_limit(ask_after_s: float, grace_s: float, cancel, overtime: threading.Event) -> None:
    """Stop this job at its time limit even if nobody else does: cancel the run after ``ask_after_s``
    (``overtime`` tells ``perform`` why) and end the process ``grace_s`` after that if the run ignored it.

    Under the embedded queue the server asks at the time limit and kills ``grace_s`` later, and this
    backstop, counting from when the worker starts (a little later), asks at the limit + ``grace_s``;
    a Redis job has no server watching its clock, so it asks at the limit itself.
    """
    def watch() -> None:
        time.sleep(ask_after_s)
        overtime.set()
        cancel.set()
        time.sleep(grace_s)
        os._exit(EXIT_OVERTIME)

    threading.Thread(target=watch, name="time-limit", daemon=True).start()


def main(module_name: str, params_json: str, queue, cancel, interval_s: float,
         time_limit_s: float, grace_s: float, lifeline, parent_pid: int) -> None:
    """The worker process's entry point."""
    die_with_parent(lifeline, parent_pid)
    overtime = threading.Event()
    keep_time_limit(time_limit_s + grace_s, grace_s, cancel, overtime)
    one_blas_thread()
    os.nice(WORKER_NICENESS)  # the server (the learner's clicks) goes first when the cores are busy
    perform(module_name, params_json, queue, cancel, interval_s, time_limit_s, overtime)


def perform(module_name: str, params_json: str, queue, cancel, interval_s: float,
            time_limit_s: float, overtime: threading.Event) -> None:
    """Run the experiment, putting its progress and then its one final message on ``queue``.

    ``queue`` needs only ``put((kind, data))`` and ``cancel`` only ``is_set()``:
    a multiprocessing Queue and Event here, Redis behind them in an RQ work horse.
    """
    try:
        module = importlib.import_module(module_name)
        params = module.Params.model_validate_json(params_json)
        result = module.run(params, Reporter(module, queue, cancel, interval_s))
        queue.put(("result", payload(module, result)))
    except Cancelled:
        if overtime.is_set():
            queue.put(("error", {"message": time_limit_message(time_limit_s)}))
        else:
            queue.put(("cancelled", {}))
    except Diverged as exc:
        queue.put(("error", {"message": str(exc) or "training diverged (the loss became NaN or infinite)"}))
    except Exception as exc:  # noqa: BLE001 - any failure becomes an error event, never a dead stream
        log.exception("experiment %s failed", module_name)
        message = f"the experiment failed: {type(exc).__name__}: {exc}"
        queue.put(("error", {"message": message[:MESSAGE_LIMIT]}))
