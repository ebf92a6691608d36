"""Quick experiments computed in a helper process, so a server process's own thread stays free.

A quick experiment is mostly Python (the model's steps, Altair building and
checking the chart): while one computes inside a server process it holds the
GIL, and every page, visit and answer that process serves waits for its turns.
``Computer`` hands each run to a small pool of spawned processes instead: the
server process only waits on a pipe, and the kernel shares the cores between
it and the pool. The helper is given the module's name and the params as JSON
and sends back the payload's JSON bytes; ``Diverged`` comes back as itself.
Under ``rnnlab serve --workers N`` the helpers load the small models the
others trained (``RNNLAB_TRAINED_DIR``) rather than training their own.
A helper that dies is replaced, and the run tried once more; a helper dies with
its server process, however that ends.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import ModuleType

from pydantic import BaseModel

from rnnlab.experiments import runner


def evaluate_bytes(module_name: str, params_json: str) -> bytes:
    """In the helper: ``runner.evaluate`` of the named module at these params, as the cache's JSON bytes."""
    from rnnlab.runtime.cache import computed_here

    module = importlib.import_module(module_name)
    return computed_here(module, module.Params.model_validate_json(params_json))


def warm_up(module_names: list[str]) -> None:
    """In the helper: import the modules and train (or load) their small models."""
    runner.warm_up([importlib.import_module(name) for name in module_names])


HELPER_NICENESS = 10  # a helper's weight on a busy core is a tenth of the pages'


def _start(parent_pid: int) -> None:
    """In the helper, first: one BLAS thread, a lower priority, and an end when the server process is gone.

    Niced: a cache miss takes a helper a tenth of a second to a few seconds of CPU, a page or a
    visit a few milliseconds. When both cores are busy, the kernel then runs the short requests
    as soon as they wake, and the long run a little later, rather than sharing the cores evenly.

    Not ``PR_SET_PDEATHSIG``: the kernel sends it when the *thread* that spawned the
    helper exits, and the pool spawns from whichever request thread submits first."""
    from rnnlab.runtime.worker import one_blas_thread

    one_blas_thread()
    os.nice(HELPER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent_pid:  # an orphan is adopted by another process
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class Computer:
    """``computer(module, params) -> bytes`` in one of ``processes`` spawned helpers."""

    def __init__(self, processes: int):
        self.processes = processes
        self._lock = threading.Lock()
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start, initargs=(os.getpid(),))

    def __call__(self, module: ModuleType, params: BaseModel) -> bytes:
        for attempt in (1, 2):
            pool = self._pool
            try:
                return pool.submit(evaluate_bytes, module.__name__, params.model_dump_json()).result()
            except BrokenProcessPool:
                with self._lock:
                    if self._pool is pool:
                        self._pool = self._new_pool()
                if attempt == 2:
                    raise
        raise AssertionError("not reached: the second attempt returns or raises")

    def warm(self, modules) -> None:
        """Start the helpers now and give them the modules' small models (a failure is the first run's problem)."""
        for future in [self._pool.submit(warm_up, [m.__name__ for m in modules]) for _ in range(self.processes)]:
            future.exception()

    def close(self) -> None:
        """Stop the helpers (a run in progress finishes first: under a second)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
