"""An answer the server acknowledged survives ``kill -9``: the real server, in its own process."""

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest


def wait_for_url(process, timeout_s=20.0) -> str:
    """The URL that `rnnlab serve` prints once it is listening."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if "http://" in line:
                return line[line.index("http://"):].split()[0]
        assert process.poll() is None, "the server exited before listening"
    raise AssertionError("the server did not start in time")


@pytest.mark.timeout(60)
def test_acknowledged_answer_survives_kill_9(tmp_path):
    db = tmp_path / "progress.db"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "rnnlab.cli", "serve", "--no-browser", "--port", "0", "--db", str(db)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = wait_for_url(server)
        with httpx.Client(base_url=url, timeout=10) as client:
            answered = client.post("/api/checks/step1-bag-of-words", json={"choice": "b"})
            assert answered.status_code == 200 and answered.json()["correct"] is True
            assert client.post("/api/progress/complete", json={"step": 1}).status_code == 200
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
        server.stdout.close()
    assert server.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        answers = conn.execute("SELECT check_id, answer, correct FROM answers").fetchall()
        completed = conn.execute("SELECT step FROM steps WHERE completed_at IS NOT NULL").fetchall()
    assert [(check, json.loads(answer), bool(correct)) for check, answer, correct in answers] == [
        ("step1-bag-of-words", {"choice": "b"}, True)
    ]
    assert completed == [(1,)]
