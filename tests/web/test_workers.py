"""``rnnlab serve --workers 2``: a real server whose two processes both answer on its one port,
a worker that dies is replaced, and SIGTERM leaves no process behind."""

import os
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from server_process import alive, children, command_line, serving


def server_workers(server_pid: int, count: int, timeout_s: float = 30.0) -> set[int]:
    """The pids of the server's ``count`` live worker processes (spawned by uvicorn's supervisor)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = {pid for pid in children(server_pid) if "spawn_main" in command_line(pid) and alive(pid)}
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} workers under the server, found {children(server_pid)}")


def answering(url: str, want: set[int], timeout_s: float = 60.0) -> set[int]:
    """The pids named by ``X-Rnnlab-Process`` over fresh connections, until all of ``want`` have answered."""
    seen: set[int] = set()

    def one(_) -> int:
        with httpx.Client(base_url=url, timeout=30) as client:  # a new connection: the kernel picks a worker
            response = client.get("/steps/1")
            assert response.status_code == 200
            return int(response.headers["x-rnnlab-process"])

    deadline = time.monotonic() + timeout_s
    with ThreadPoolExecutor(8) as pool:
        while not want <= seen and time.monotonic() < deadline:
            seen |= set(pool.map(one, range(16)))
    return seen


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_two_workers_answer_on_one_port_a_dead_one_is_replaced_and_sigterm_stops_all(tmp_path):
    db = tmp_path / "progress.db"
    with serving(db, workers=2) as (server, url):
        workers = server_workers(server.pid, 2)
        assert answering(url, workers) == workers

        dead = min(workers)
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while (now := server_workers(server.pid, 2)) and dead in now and time.monotonic() < deadline:
            time.sleep(0.2)  # the supervisor looks twice a second
        assert dead not in now and len(now) == 2
        (replacement,) = now - workers
        assert replacement in answering(url, {replacement})

        # Nobody asked for an experiment: the rows are the warm-up's, made once, by the parent, for every worker.
        assert warmed(db, {"order-matters", "bptt"}) == {"order-matters", "bptt"}

        everyone = descendants(server.pid)  # workers, their helper processes, multiprocessing's tracker
        assert now <= everyone and len(everyone) > len(now)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in everyone) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [(pid, command_line(pid)) for pid in everyone if alive(pid)] == []


def descendants(pid: int) -> set[int]:
    found = set(children(pid))
    for child in list(found):
        found |= descendants(child)
    return found


def warmed(db, want: set[str], timeout_s: float = 90.0) -> set[str]:
    """The experiments with a row in the shared result cache, once ``want`` are there (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        with sqlite3.connect(db) as conn:
            found = {row[0] for row in conn.execute("SELECT DISTINCT experiment FROM results")}
        if want <= found or time.monotonic() > deadline:
            return found & want
        time.sleep(0.5)
