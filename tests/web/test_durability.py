"""An answer the server acknowledged survives ``kill -9``: the real server, in its own process."""

import json
import signal
import sqlite3

import httpx
import pytest
from server_process import serving


@pytest.mark.timeout(60)
def test_acknowledged_answer_survives_kill_9(tmp_path):
    db = tmp_path / "progress.db"
    with serving(db) as (server, url):
        with httpx.Client(base_url=url, timeout=10) as client:
            answered = client.post("/api/checks/step1-bag-of-words", json={"choice": "b"})
            assert answered.status_code == 200 and answered.json()["correct"] is True
            assert client.post("/api/progress/complete", json={"step": 1}).status_code == 200
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    assert server.returncode == -signal.SIGKILL
    with sqlite3.connect(db) as conn:
        answers = conn.execute("SELECT check_id, answer, correct FROM answers").fetchall()
        completed = conn.execute("SELECT step FROM steps WHERE completed_at IS NOT NULL").fetchall()
    assert [(check, json.loads(answer), bool(correct)) for check, answer, correct in answers] == [
        ("step1-bag-of-words", {"choice": "b"}, True)
    ]
    assert completed == [(1,)]
