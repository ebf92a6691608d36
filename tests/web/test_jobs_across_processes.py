"""One machine, several server processes (``rnnlab serve --workers N``): any of them follows, cancels and counts any job.

Two apps on the same SQLite file and the same ``job_spool`` stand for two server
processes: what one knows of another's jobs comes only from the spool, as it
would across processes. A server that really dies is a real process, killed.
"""

import os
import select
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from itsdangerous import Signer
from server_process import alive
from sse_client import events

from rnnlab.store.tables import classes, learners
from rnnlab.web.app import create_app
from rnnlab.web.learner import SALT

SECRET = "one secret for both servers"  # kept in the shared database anyway; known here to sign learners' cookies
LONG = {"steps": 1000, "delay_s": 0.05}  # fake-counter for ~50 s, unless cancelled
FAKES = Path(__file__).parent


@pytest.fixture
def servers(settings, tmp_path):
    """``servers(**settings) -> (a, b)``: two test clients of two apps sharing a database and a job spool."""
    with ExitStack() as stack:
        def make(**changes):
            shared = settings.model_copy(update={"job_spool": tmp_path / "spool", "secret": SECRET, **changes})
            return tuple(stack.enter_context(TestClient(create_app(shared), base_url="http://127.0.0.1"))
                         for _ in range(2))
        yield make


def learner(learner_id: str) -> dict[str, str]:
    """Headers that make a request come from this learner, on either server."""
    return {"cookie": f"rnnlab_learner={Signer(SECRET, salt=SALT).sign(learner_id).decode()}"}


def start_as(client, learner_id: str, **params) -> str:
    response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": params},
                           headers=learner(learner_id))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def refusal(client, learner_id: str) -> str:
    body = {"experiment": "fake-counter", "params": LONG}
    response = client.post("/api/jobs", json=body, headers=learner(learner_id))
    assert response.status_code == 429, response.text
    return response.json()["detail"]


def join_class(db_url: str, code: str, learner_ids: list[str]) -> None:
    engine = sa.create_engine(db_url)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(classes.insert().values(code=code, name="a class", key_hash="0" * 64, created_at=now))
        conn.execute(learners.insert(), [{"id": i, "created_at": now, "class_code": code} for i in learner_ids])
    engine.dispose()


def test_a_job_started_on_one_server_process_streams_through_another(servers):
    a, b = servers()
    stream = events(b, start_as(a, "ada", steps=20, delay_s=0.1))  # 2 s: long enough for reports on a busy machine
    kinds = [kind for kind, _ in stream]
    assert kinds[-1] == "result" and kinds.count("progress") >= 2
    assert stream[-1][1]["result"] == {"counts": [float(k) for k in range(20)]}


def test_a_job_started_on_one_server_process_is_cancelled_from_another(servers):
    a, b = servers()
    job_id = start_as(a, "ada", **LONG)
    response = b.delete(f"/api/jobs/{job_id}", headers=learner("ada"))
    assert response.status_code == 200 and response.json() == {"id": job_id, "state": "stopping"}
    assert events(b, job_id)[-1] == ("cancelled", {})
    assert b.delete(f"/api/jobs/{job_id}", headers=learner("ada")).json() == {"id": job_id, "state": "cancelled"}


def test_only_the_learner_who_started_a_job_may_cancel_it_though_anyone_may_follow_it(servers):
    a, b = servers()
    job_id = start_as(a, "ada", steps=20, delay_s=0.05)
    response = b.delete(f"/api/jobs/{job_id}", headers=learner("eve"))
    assert response.status_code == 403 and response.json()["detail"] == "this job was started by someone else"
    assert events(b, job_id)[-1][0] == "result"  # eve's request stopped nothing


def test_limits_per_learner_per_class_and_per_machine_count_every_server_processs_jobs(servers, settings):
    a, b = servers(learner_jobs=1, class_jobs=2, max_jobs=3)
    join_class(settings.db_url, "C1", ["ada", "bob", "cy"])
    started = [("ada", start_as(a, "ada", **LONG))]
    assert refusal(b, "ada") == (
        "you already have 1 training job running or waiting — wait for one to finish or cancel it")
    started.append(("bob", start_as(b, "bob", **LONG)))
    assert refusal(a, "cy") == "your class already has 2 training jobs running or waiting — try again in a minute"
    started.append(("dan", start_as(a, "dan", **LONG)))  # in no class
    assert refusal(b, "eve") == "this machine is already training 3 jobs — wait for one to finish or cancel it"
    for who, job_id in started:
        assert b.delete(f"/api/jobs/{job_id}", headers=learner(who)).status_code == 200


# A server process of its own on the same spool: it starts a job for "ada", says its id, and waits to be killed.
OWNER = """
import asyncio, sys
sys.path.insert(0, sys.argv[2])
import fake_experiments
from rnnlab.runtime.jobs import Owner
from rnnlab.runtime.local import LocalJobs

async def main():
    jobs = LocalJobs(sys.argv[1], max_jobs=2, learner_jobs=1, class_jobs=None, grace_s=1.0, keep_s=60.0,
                     progress_interval_s=0.05)
    counter = fake_experiments.counter
    print(await jobs.start(counter, counter.Params(steps=1000, delay_s=0.05), 60.0, Owner("ada")), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def line_from(process: subprocess.Popen, timeout_s: float = 30.0) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    assert ready, "the owning process said nothing"
    return process.stdout.readline().strip()


@pytest.mark.timeout(120)
def test_followers_of_a_job_whose_server_process_died_get_an_error_and_its_learner_a_free_slot(servers, tmp_path):
    a, b = servers(learner_jobs=1)
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path / "spool"), str(FAKES)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    try:
        job_id = line_from(owner)
        jobs = b.app.state.jobs
        deadline = time.monotonic() + 30
        while jobs.latest(job_id) is None and time.monotonic() < deadline:  # training: its progress has arrived
            time.sleep(0.05)
        assert jobs.latest(job_id) is not None and refusal(a, "ada").startswith("you already have 1 training job")
        worker = jobs.worker_pid(job_id)
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
    finally:
        if owner.poll() is None:
            owner.kill()
        owner.stdout.close()
    assert events(b, job_id)[-1] == ("error", {"message": "the server process training this job stopped"})
    assert b.get(f"/api/jobs/{job_id}/events").status_code == 200  # kept, like any finished job
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:  # it died with its server
        time.sleep(0.05)
    assert not alive(worker)
    assert events(a, start_as(a, "ada", steps=1, delay_s=0.0))[-1][0] == "result"
