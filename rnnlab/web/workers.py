"""Several server processes behind the one port ``rnnlab serve`` listens on (``--workers N``).

One Python process runs on one core at a time (the GIL); a class needs both.
The parent opens the database once (``open_store``: the migrations and the
cookie secret are made before any worker races for them); ``run_workers`` makes the
embedded job queue's spool folder, and hands the sockets to ``Supervisor``
(uvicorn's ``Multiprocess``, one socket per worker), which spawns
``settings.workers`` processes, pings them, replaces one that dies, and stops
them all on Ctrl+C or SIGTERM.

On Linux each worker has a socket of its own, all bound to the one port with
``SO_REUSEPORT`` (``spread_sockets``): the kernel hands each new connection to
one of them by a hash of its addresses, so a class's connections spread evenly.
With one shared socket, the worker that woke first took the connections waiting,
and a class's keep-alive connections split 66/34 to 88/12 (``bench/load.py``).
The parent keeps every socket open, so a worker that dies leaves its socket's
waiting connections to its replacement rather than dropping them. Elsewhere
(macOS, Windows: their ``SO_REUSEPORT`` does not balance) the workers share one
socket.

A spawned worker starts from nothing: it imports ``app_from_env``, which reads
its ``Settings`` as JSON from ``RNNLAB_SETTINGS`` (set here, before spawning)
and builds the app. Each worker exits when the parent does, however the parent
dies (``PR_SET_PDEATHSIG`` on Linux, and a check of the parent's pid at start).

Nothing is trained twice. The parent makes a private folder for trained models
(``RNNLAB_TRAINED_DIR``, see :mod:`rnnlab.experiments._trained`): whichever process
needs a small model first trains it under a lock and leaves it there, and the
others load it. The parent warms up (trains the models, and puts every quick
experiment's defaults in the shared result cache, the store's ``results``
table); each worker warms up too, which loads the models the parent trained and
finds the defaults already cached. Each worker computes quick experiments in a
helper process of its own (``rnnlab.runtime.compute``), so a long one does not
hold up the pages that worker serves meanwhile.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process, logger

from rnnlab.experiments._trained import TRAINED_DIR_ENV
from rnnlab.store import ProgressStore
from rnnlab.web.settings import Settings

SETTINGS_ENV = "RNNLAB_SETTINGS"  # a worker's Settings, as JSON
PARENT_ENV = "RNNLAB_SERVE_PID"  # the pid of the `rnnlab serve` that spawned it
PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): the signal this process gets when its parent dies


def app_from_env() -> FastAPI:
    """The app of one worker process (uvicorn calls this factory in the spawned process)."""
    from rnnlab.web.app import create_app

    stop_with_parent(int(os.environ[PARENT_ENV]))
    return create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))


class ProcessHeader:
    """Names the worker that answered: ``X-Rnnlab-Process: <pid>`` on every response (the load benchmark
    counts how requests spread over the workers; a test sees that every worker answers)."""

    def __init__(self, app):
        self.app, self.pid = app, str(os.getpid()).encode()  # built in the worker: its own pid

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_named(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), (b"x-rnnlab-process", self.pid)]}
            await send(message)

        await self.app(scope, receive, send_named)


def stop_with_parent(parent_pid: int) -> None:
    """SIGTERM this process (a graceful stop: uvicorn finishes its requests) when its parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the guard was set
        os.kill(os.getpid(), signal.SIGTERM)


def open_store(settings: Settings) -> ProgressStore:
    """The database, brought up to date and holding its cookie secret before any worker races to make them;
    raises what opening it raises (OSError, SQLAlchemyError)."""
    store = ProgressStore(settings.db_url)
    try:
        store.cookie_secret()
    except BaseException:
        store.close()
        raise
    return store


REUSEPORT_SPREADS = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def spread_sockets(family: socket.AddressFamily, address: tuple, count: int) -> list[socket.socket]:
    """``count`` sockets listening on ``address`` with ``SO_REUSEPORT``, which Linux balances between;
    raises OSError (EADDRINUSE when another program holds the port)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(128)
    except BaseException:
        for sock in socks:
            sock.close()
        raise
    return socks


def run_workers(settings: Settings, socks: list[socket.socket], store: ProgressStore) -> None:
    """Serve with ``settings.workers`` processes until Ctrl+C or SIGTERM, then stop them all: on a socket
    each when ``socks`` has one per worker (``spread_sockets``), else all on the one socket
    (``store``, from ``open_store``, is closed at the end)."""
    import uvicorn

    spool, models = Path(tempfile.mkdtemp(prefix="rnnlab-jobs-")), Path(tempfile.mkdtemp(prefix="rnnlab-models-"))
    try:
        worker = settings.model_copy(update={"job_spool": settings.job_spool or spool,
                                             "result_processes": settings.result_processes or 1})
        os.environ[SETTINGS_ENV] = worker.model_dump_json(exclude={"experiments"})
        os.environ[PARENT_ENV] = str(os.getpid())
        os.environ[TRAINED_DIR_ENV] = str(models)  # mkdtemp made it 0700: this user's processes only
        if settings.warm_up:
            threading.Thread(target=warm_shared, args=(settings, store), name="warm-up", daemon=True).start()
        config = uvicorn.Config("rnnlab.web.workers:app_from_env", factory=True, workers=settings.workers,
                                log_level="warning", timeout_graceful_shutdown=3)
        Supervisor(config, socks).run()
    finally:
        store.close()
        shutil.rmtree(spool, ignore_errors=True)
        shutil.rmtree(models, ignore_errors=True)


def warm_shared(settings: Settings, store: ProgressStore) -> None:
    """Train the small models (into the shared folder) and put every quick experiment's defaults in the
    shared result cache, from the parent, while the workers start."""
    from rnnlab.runtime.cache import ResultCache, warm
    from rnnlab.store.results import StoredResults

    if settings.experiments is None:
        from rnnlab.experiments.registry import EXPERIMENTS as experiments
    else:
        experiments = settings.experiments
    shared = StoredResults(store, settings.result_store_rows) if settings.result_store_rows else None
    warm(ResultCache(0, 0, shared), sorted(experiments.values(), key=lambda m: m.STEP))


class Supervisor(Multiprocess):
    """uvicorn's ``Multiprocess``, but worker ``i`` listens on ``sockets[i]`` only (and so does the
    process that replaces it), when there is a socket per worker; with one socket, all share it.

    Only process creation differs from uvicorn's; ``SIGTTIN``/``SIGTTOU`` (a worker more or fewer)
    are refused, since each worker owns a socket."""

    def __init__(self, config, sockets: list[socket.socket]):
        super().__init__(config, sockets)
        per_worker = len(sockets) == config.workers
        self.slots = [[sock] for sock in sockets] if per_worker else [sockets] * config.workers

    def init_processes(self) -> None:
        for slot in self.slots:
            process = Process(self.config, slot)
            process.start()
            self.processes.append(process)

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung or dead
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info(f"Child process [{process.pid}] died")
            self.processes[idx] = Process(self.config, self.slots[idx])
            self.processes[idx].start()

    def restart_all(self) -> None:
        """``SIGHUP``: replace each worker in turn, the new one serving before the old one stops."""
        for idx, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = Process(self.config, self.slots[idx])
            new.start()
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error(f"New child process [{new.pid}] was not ready in time; keeping [{old.pid}].")
                return
            old.terminate()
            old.join()
            self.processes[idx] = new

    def handle_ttin(self) -> None:
        logger.warning("SIGTTIN ignored: restart rnnlab serve with another --workers to change their number.")

    def handle_ttou(self) -> None:
        logger.warning("SIGTTOU ignored: restart rnnlab serve with another --workers to change their number.")
