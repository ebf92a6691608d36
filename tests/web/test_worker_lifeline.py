"""Training workers die with their server, however it dies: ``kill -9`` of a real ``rnnlab serve``."""

import os
import signal
import time

import httpx
import pytest
from server_process import alive, children, command_line, serving

LONG_JOB = {"experiment": "long-range-memory", "params": {"seq_len": 200, "train_steps": 4000}}  # about a minute


def job_workers(server_pid: int, count: int, timeout_s: float = 30.0) -> list[int]:
    """The server's ``count`` worker processes (multiprocessing's spawned children), once they are up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [pid for pid in children(server_pid) if "spawn_main" in command_line(pid) and alive(pid)]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} worker processes under the server, found {children(server_pid)}")


@pytest.mark.timeout(120)
def test_training_workers_exit_soon_after_their_server_is_killed_with_sigkill(tmp_path):
    with serving(tmp_path / "progress.db") as (server, url):
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(2):
                response = client.post("/api/jobs", json=LONG_JOB)
                assert response.status_code == 201, response.text
        workers = job_workers(server.pid, 2)
        time.sleep(1.0)  # let them get into training
        assert all(alive(pid) for pid in workers)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    killed_at = time.monotonic()
    try:
        while any(alive(pid) for pid in workers) and time.monotonic() - killed_at < 10.0:
            time.sleep(0.05)
        survivors = [pid for pid in workers if alive(pid)]
        assert survivors == [], f"workers {survivors} outlived their server by 10 s"
    finally:
        for pid in workers:  # never leave an orphan training on a shared machine, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
