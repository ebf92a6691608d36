"""``@train_once``: a seeded trainer's result, made once per process — and, when several
server processes run, once for all of them.

A quick experiment's small model is trained on first use and memoised in the
process (as ``functools.cache`` would). A trainer is seeded and deterministic,
so when ``RNNLAB_TRAINED_DIR`` names a folder (``rnnlab serve --workers N``
makes a private one, ``0700``, for its processes and removes it at exit) the
first process to need a model trains it while holding a lock on
``<folder>/<key>.lock`` and pickles the result there; every other process waits
for the lock and loads the pickle instead of training again. Only this
machine's own server processes write to the folder, so loading a pickle from it
trusts nothing from outside.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import pickle
import threading
from pathlib import Path
from typing import Any, Callable

TRAINED_DIR_ENV = "RNNLAB_TRAINED_DIR"


def train_once(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise ``fn`` (a seeded trainer; its arguments are hashable) per process, and across processes
    through ``RNNLAB_TRAINED_DIR`` when it is set."""
    memo: dict[tuple, Any] = {}
    lock = threading.Lock()  # one thread per process trains; the others wait for its result

    @functools.wraps(fn)
    def wrapper(*args):
        if args in memo:
            return memo[args]
        with lock:
            if args not in memo:
                folder = os.environ.get(TRAINED_DIR_ENV)
                memo[args] = _shared(Path(folder), fn, args) if folder else fn(*args)
        return memo[args]

    wrapper.cache_clear = memo.clear
    return wrapper


def _shared(folder: Path, fn: Callable[..., Any], args: tuple) -> Any:
    key = hashlib.sha256(f"{fn.__module__}.{fn.__qualname__}{args!r}".encode()).hexdigest()[:32]
    path = folder / f"{key}.pickle"
    with open(folder / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.exists():
            return pickle.loads(path.read_bytes())
        value = fn(*args)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)  # whole or absent, never half-written
        return value
