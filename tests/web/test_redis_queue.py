"""Jobs on Redis (``--queue redis://…``): two replicas (two apps on one Redis and one SQLite file), real
``rnnlab worker`` processes, a real redis-server on loopback. Started on A, followed and cancelled through B."""

import concurrent.futures
import datetime as dt
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import fake_experiments
import pytest
import redis
import sqlalchemy as sa
from click.testing import CliRunner
from fastapi.testclient import TestClient
from redis_jobs import Follower, kinds, learner_of, same_learner, start_worker, stop_worker
from sse_client import events, start

from rnnlab import cli
from rnnlab.experiments import long_range_memory
from rnnlab.runtime import redis_queue
from rnnlab.store.tables import classes, learners
from rnnlab.web.app import create_app
from rnnlab.web.settings import sqlite_url

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def shared_url(fresh_redis_db):
    """A Redis database the module's tests share with ``shared_worker`` (each test leaves no job behind)."""
    url = fresh_redis_db()
    yield url
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def shared_worker(shared_url, tmp_path_factory):
    """One ``rnnlab worker`` for the tests that do not stop it (starting one takes a second or two)."""
    process = start_worker(shared_url, tmp_path_factory.mktemp("worker") / "worker.log")
    yield process
    stop_worker(process)


def make_replicas(settings, url, opened, **changes):
    """Two apps on the same Redis and SQLite file, as behind a proxy: (A, B)."""
    experiments = {**fake_experiments.ALL, long_range_memory.ID: long_range_memory}
    settings = settings.model_copy(update={"queue_url": url, "experiments": experiments, **changes})
    clients = [TestClient(create_app(settings), base_url="http://127.0.0.1") for _ in range(2)]
    for client in clients:
        client.__enter__()
        opened.append(client)
    return clients


@pytest.fixture
def replicas(settings, redis_url):
    """``replicas(**settings) -> (A, B)`` on a Redis database of the test's own, with no worker: jobs wait."""
    opened = []
    yield lambda **changes: make_replicas(settings, redis_url, opened, **changes)
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def trained(settings, shared_url, shared_worker):
    """``trained(**settings) -> (A, B)`` on the database ``shared_worker`` trains from."""
    opened = []
    yield lambda **changes: make_replicas(settings, shared_url, opened, **changes)
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def worker(redis_url, tmp_path):
    """``worker() -> Popen``: an ``rnnlab worker`` of the test's own (to kill or stop), on its Redis database."""
    started = []

    def run() -> subprocess.Popen:
        started.append(start_worker(redis_url, tmp_path / f"worker-{len(started)}.log"))
        return started[-1]

    yield run
    for process in started:
        stop_worker(process)


# -- through another replica ---------------------------------------------------------


def test_a_job_started_on_one_replica_streams_through_another_to_its_result(trained):
    a, b = trained()
    job_id = start(a, "long-range-memory", seq_len=10, hidden_size=8, train_steps=300)
    stream = events(b, job_id)
    assert kinds(stream)[-1] == "result" and "progress" in kinds(stream), stream
    final = stream[-1][1]["result"]
    assert final["done"] is True and final["rnn_eval"] is not None and len(final["step"]) >= 2
    assert events(a, job_id)[-1] == stream[-1]  # and on the replica that started it, for a reconnecting page


def test_a_finished_job_replays_its_latest_progress_and_result_on_any_replica(trained):
    a, b = trained()
    job_id = start(a, "fake-counter", steps=3, delay_s=0.0)
    first = events(a, job_id)
    again = events(b, job_id)
    assert again[-1] == first[-1] and again[-1][0] == "result"
    assert kinds(again) in (["progress", "result"], ["result"])


def test_a_job_runs_with_one_blas_thread_at_a_lower_priority(trained):
    a, _ = trained()  # its worker was started with OPENBLAS_NUM_THREADS=2
    kind, data = events(a, start(a, "fake-blas"))[-1]
    assert kind == "result" and set(data["result"]["values"]) == {1.0}
    assert data["result"]["niceness"] == min(os.nice(0) + 10, 19)


def test_errors_of_the_experiment_reach_the_other_replica(trained):
    a, b = trained()
    assert events(b, start(a, "fake-diverges"))[-1] == (
        "error", {"message": "the loss became NaN at step 3: lower the learning rate"})


def test_cancel_from_another_replica_stops_a_running_job(trained):
    a, b = trained()
    same_learner(a, b)
    job_id = start(a, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(b, job_id)
    follower.wait_for("progress")
    response = b.delete(f"/api/jobs/{job_id}")
    assert response.status_code == 200 and response.json() == {"id": job_id, "state": "stopping"}
    asked = time.monotonic()
    assert kinds(follower.end())[-1] == "cancelled"
    assert time.monotonic() - asked < 5  # the job looks every 0.1 s; the rest is a loaded machine
    assert b.delete(f"/api/jobs/{job_id}").json() == {"id": job_id, "state": "cancelled"}


def test_a_job_that_ignores_cancel_is_stopped_by_rq_after_the_grace_period(trained):
    a, b = trained()
    same_learner(a, b)
    job_id = start(a, "fake-stubborn", seconds=60)
    follower = Follower(b, job_id)
    deadline = time.monotonic() + 30
    while redis.Redis.from_url(a.app.state.settings.queue_url).hget(f"rnnlab:job:{job_id}", "state") != b"running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    b.delete(f"/api/jobs/{job_id}")
    assert kinds(follower.end())[-1] == "cancelled"
    # the work horse is gone: the worker takes the next job at once, not in a minute
    assert events(b, start(a, "fake-counter", steps=2, delay_s=0.0))[-1][0] == "result"


def test_a_queued_job_hears_how_many_are_ahead_and_a_cancelled_one_never_runs(trained, shared_url):
    a, b = trained()  # a: the first learner, b: a second one; one worker
    busy = start(a, "fake-counter", steps=1000, delay_s=0.05)
    Follower(a, busy).wait_for("progress")
    second, third = start(b, "fake-counter", steps=2, delay_s=0.0), start(b, "fake-counter", steps=2, delay_s=0.0)
    to_second, to_third = Follower(a, second), Follower(a, third)
    to_second.wait_for("queued", ahead=0)
    to_third.wait_for("queued", ahead=1)
    assert b.delete(f"/api/jobs/{second}").json() == {"id": second, "state": "cancelled"}
    assert kinds(to_second.end()) == ["queued", "cancelled"]
    to_third.wait_for("queued", ahead=0)  # one fewer ahead of it now
    a.delete(f"/api/jobs/{busy}")
    assert kinds(to_third.end())[-1] == "result"
    job = redis.Redis.from_url(shared_url).hgetall(f"rnnlab:job:{second}")
    assert job[b"state"] == b"cancelled" and b"started" not in job  # never ran


# -- limits, counted in Redis whichever replica is asked ------------------------------


def test_a_learners_third_job_is_refused_by_either_replica_until_one_ends(replicas):
    a, b = replicas()  # no worker: the jobs wait in the queue, and count
    same_learner(a, b)
    first, _ = start(a, "fake-counter"), start(b, "fake-counter")
    for client in (a, b):
        response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}})
        assert response.status_code == 429
        assert response.json()["detail"] == ("you already have 2 training jobs running or waiting — "
                                             "wait for one to finish or cancel it")
    assert b.delete(f"/api/jobs/{first}").json()["state"] == "cancelled"
    start(b, "fake-counter")


def test_a_class_at_its_limit_refuses_its_learners_new_jobs(replicas, db_path):
    a, b = replicas(class_jobs=2, learner_jobs=5)  # a and b: two learners of one class
    join_class(db_path, "ABC123", learner_of(a), learner_of(b))
    mine = start(a, "fake-counter")
    start(a, "fake-counter")
    response = b.post("/api/jobs", json={"experiment": "fake-counter", "params": {}})
    assert response.status_code == 429
    assert response.json()["detail"] == "your class already has 2 training jobs running or waiting — try again in a minute"
    assert b.delete(f"/api/jobs/{mine}").status_code == 403  # only its learner may cancel it
    assert b.delete(f"/api/jobs/{mine}").json()["detail"] == "this job was started by someone else"
    a.delete(f"/api/jobs/{mine}")
    start(b, "fake-counter")


def test_an_unknown_job_is_404_on_any_replica(replicas):
    a, b = replicas()
    for client in (a, b):
        assert client.get("/api/jobs/nope/events").status_code == 404
        assert "nope" in client.delete("/api/jobs/nope").json()["detail"]


def join_class(db_path: Path, code: str, *learner_ids: str) -> None:
    """Put these learners in a class, straight into the database (the class commands are another area's)."""
    engine = sa.create_engine(sqlite_url(db_path))
    now = dt.datetime.now(dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(classes.insert().values(code=code, name="test class", key_hash="0" * 64, created_at=now))
        for learner_id in learner_ids:
            conn.execute(learners.delete().where(learners.c.id == learner_id))
            conn.execute(learners.insert().values(id=learner_id, created_at=now, class_code=code))
    engine.dispose()


# -- the end nobody announces ------------------------------------------------------


@pytest.mark.slow
def test_a_worker_killed_mid_job_ends_its_job_in_an_error_and_frees_the_slot(replicas, worker):
    a, b = replicas()
    same_learner(a, b)
    process = worker()
    job_id = start(a, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(b, job_id)
    follower.wait_for("progress")
    horse = int(redis.Redis.from_url(a.app.state.settings.queue_url).hget(f"rnnlab:job:{job_id}", "pid"))
    process.kill()  # SIGKILL: no clean-up of any kind; its work horse dies with it
    killed = time.monotonic()
    stream = follower.end(timeout_s=30)
    assert stream[-1] == ("error", {"message": redis_queue.DIED})
    assert time.monotonic() - killed < redis_queue.ALIVE_S + 5
    assert not running(horse)  # nothing keeps training for nobody
    start(b, "fake-counter"), start(b, "fake-counter")  # both slots free again


def running(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_a_work_horse_killed_mid_job_ends_its_job_in_an_error_at_once_and_the_worker_goes_on(trained, shared_url):
    a, b = trained()  # what the kernel's out-of-memory killer does: the job's own process, not the worker
    job_id = start(a, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(b, job_id)
    follower.wait_for("progress")
    os.kill(int(redis.Redis.from_url(shared_url).hget(f"rnnlab:job:{job_id}", "pid")), signal.SIGKILL)
    killed = time.monotonic()
    assert follower.end()[-1] == ("error", {"message": redis_queue.DIED})
    assert time.monotonic() - killed < redis_queue.ALIVE_S  # RQ's worker saw it die: no need to wait for the heartbeat
    assert events(b, start(a, "fake-counter", steps=2, delay_s=0.0))[-1][0] == "result"


def test_limits_hold_when_many_requests_race_on_both_replicas(replicas):
    a, b = replicas()
    same_learner(a, b)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        posts = [pool.submit(client.post, "/api/jobs", json={"experiment": "fake-counter", "params": {}})
                 for client in (a, b) * 4]
        codes = sorted(post.result().status_code for post in posts)
    assert codes == [201, 201] + [429] * 6


@pytest.mark.slow
def test_a_job_past_its_time_limit_that_ignores_it_ends_with_the_time_limit_message(trained):
    a, b = trained(job_time_limits={"fake-stubborn": 1.0})
    assert events(b, start(a, "fake-stubborn", seconds=60))[-1] == (
        "error", {"message": "stopped after 1 s, the time limit for this experiment"})


# -- the commands ---------------------------------------------------------------------


def test_worker_says_clearly_when_redis_cannot_be_reached():
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    done = CliRunner().invoke(cli.main, ["worker", "--queue", closed])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit)  # a ClickException, not a traceback
    assert f"Error: --queue: cannot reach Redis at {closed}" in done.output


def test_serve_says_clearly_when_its_queue_cannot_be_reached(tmp_path):
    closed = f"redis://127.0.0.1:{_closed_port()}/0"
    done = CliRunner().invoke(cli.main, ["serve", "--no-browser", "--port", "0", "--db", str(tmp_path / "p.db"),
                                         "--queue", closed])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit)  # a ClickException, not a traceback
    assert f"Error: --queue: cannot reach Redis at {closed}" in done.output


def test_worker_stops_cleanly_on_ctrl_c(worker, redis_url):
    import rq

    process = worker()
    connection = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 30
    # Registered, and past RQ's start-up (its Ctrl+C handler goes in right after it says it listens): a Ctrl+C
    # in the middle of start-up is the narrower case the KeyboardInterrupt branch of redis_worker.work covers.
    while rq.Worker.count(connection=connection) == 0 or "Listening on" not in process.log.read_text():
        assert time.monotonic() < deadline, process.log.read_text()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 0
    assert "rnnlab: worker stopped" in process.log.read_text() and "Traceback" not in process.log.read_text()
    assert rq.Worker.count(connection=connection) == 0  # it said goodbye to Redis


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nothing listens on once this closes
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
