"""Redis going away under a running server (``--queue redis://…``): a redis-server of each test's own, stopped
and started again on the same port. Every route that needs Redis answers 503 with a sentence and
``Retry-After``, an open event stream ends with an ``error`` event that says what happened, the rest of the
lesson carries on, and jobs work again once Redis is back, without restarting anything."""

import time

import fake_experiments
import pytest
import redis
from fastapi.testclient import TestClient
from redis_jobs import Follower, kinds, learner_of, start_worker, stop_worker
from sse_client import events, start

from rnnlab.runtime import redis_queue
from rnnlab.web.app import create_app
from rnnlab.web.errors import QUEUE_RETRY_AFTER_S

pytestmark = pytest.mark.redis


@pytest.fixture
def on_redis(settings, restartable_redis):
    """``on_redis(keep=False) -> (client, redis)``: an app whose queue is a redis-server the test may stop."""
    opened = []

    def make(keep: bool = False):
        server = restartable_redis(keep)
        app = create_app(settings.model_copy(update={"queue_url": server.url, "experiments": fake_experiments.ALL}))
        opened.append(TestClient(app, base_url="http://127.0.0.1").__enter__())
        return opened[-1], server

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def worker_on(tmp_path):
    """``worker_on(url, impatient=False) -> Popen``: an ``rnnlab worker`` on that Redis (``impatient``: its RQ
    worker checks in with Redis every second mid-job), stopped when the test ends."""
    started = []

    def run(url: str, impatient: bool = False):
        started.append(start_worker(url, tmp_path / f"worker-{len(started)}.log", impatient))
        return started[-1]

    yield run
    for process in started:
        stop_worker(process)


def assert_queue_down(response, url: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"detail": redis_queue.down_message(url)}
    assert response.headers["retry-after"] == str(QUEUE_RETRY_AFTER_S)


def test_starting_a_job_while_redis_is_down_is_503_with_a_sentence_and_retry_after(on_redis):
    client, server = on_redis()
    server.stop()
    asked = time.monotonic()
    response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}})
    assert time.monotonic() - asked < 10  # refused at once, not after a hang
    assert_queue_down(response, server.url)
    assert "Traceback" not in response.text
    assert response.json()["detail"].startswith("the training queue is not answering right now (Redis at redis://")


def test_a_redis_that_stops_answering_without_closing_is_503_within_seconds_not_a_hang(on_redis):
    client, server = on_redis()
    job_id = start(client, "fake-counter")
    server.freeze()  # connections open, nothing answers: a hung host
    asked = time.monotonic()
    assert_queue_down(client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}}), server.url)
    assert_queue_down(client.get(f"/api/jobs/{job_id}/events"), server.url)
    assert time.monotonic() - asked < 2 * (redis_queue.READ_TIMEOUT_S + 2)  # each waits one read timeout
    server.freeze(False)
    assert client.delete(f"/api/jobs/{job_id}").json() == {"id": job_id, "state": "cancelled"}


def test_following_or_cancelling_a_job_while_redis_is_down_is_503(on_redis):
    client, server = on_redis()  # no worker: the job waits in the queue
    job_id = start(client, "fake-counter")
    server.stop()
    assert_queue_down(client.get(f"/api/jobs/{job_id}/events"), server.url)
    assert_queue_down(client.delete(f"/api/jobs/{job_id}"), server.url)


def test_the_sentence_never_shows_a_password_from_the_queue_url():
    message = redis_queue.down_message("redis://:s3cret@10.0.0.5:6380/2")
    assert "s3cret" not in message and "10.0.0.5:6380" in message
    assert "s3cret" not in redis_queue.stream_down_message("redis://user:s3cret@host/0")
    assert "s3cret" not in redis_queue.lost_message("rediss://user:s3cret@host:6379/0")


def test_the_lesson_pages_progress_checks_and_quick_experiments_work_while_redis_is_down(on_redis):
    client, server = on_redis()
    server.stop()
    for page in ("/", "/steps/1", "/steps/8", "/glossary", "/lab"):
        assert client.get(page).status_code == 200, page
    assert client.post("/api/progress/visit", json={"step": 2}).status_code == 200
    assert client.post("/api/progress/complete", json={"step": 2}).status_code == 200
    answer = client.post("/api/checks/step1-bag-of-words", json={"choice": "b"})
    assert answer.status_code == 200 and answer.json()["correct"] is True
    progress = client.get("/api/progress").json()
    assert progress["completed"] == [2] and progress["answers"]["step1-bag-of-words"]["correct"] is True
    quick = client.post("/api/experiments/fake-echo", json={"rho": 0.5, "length": 3})
    assert quick.status_code == 200 and quick.json()["result"]
    assert client.get("/api/experiments").status_code == 200


@pytest.mark.parametrize("down_s", [0.0, 1.0])  # back at once (the clients' retry hides it), or after a while
def test_a_followed_job_that_a_restarted_redis_forgot_ends_with_an_error_event_saying_so(on_redis, down_s):
    client, server = on_redis()  # --save '': a restart keeps nothing
    job_id = start(client, "fake-counter")
    follower = Follower(client, job_id)
    follower.wait_for("queued", ahead=0)
    server.stop()
    time.sleep(down_s)  # the follower finds Redis gone and waits for it
    server.start()
    stream = follower.end(timeout_s=20)
    assert stream[-1] == ("error", {"message": redis_queue.lost_message(server.url)})


def test_a_follower_whose_redis_stays_away_ends_with_an_error_event_saying_so(on_redis):
    client, server = on_redis()
    client.app.state.jobs.outage_s = 1.0  # rather than OUTAGE_S
    job_id = start(client, "fake-counter")
    follower = Follower(client, job_id)
    follower.wait_for("queued", ahead=0)
    server.stop()
    stream = follower.end(timeout_s=20)
    assert stream[-1] == ("error", {"message": redis_queue.stream_down_message(server.url)})
    assert kinds(stream) == ["queued", "error"]


def test_a_followed_job_carries_on_when_redis_comes_back_with_its_data(on_redis, worker_on):
    client, server = on_redis(keep=True)  # an append-only file: a restart keeps every job
    job_id = start(client, "fake-counter")  # queued, no worker yet
    follower = Follower(client, job_id)
    follower.wait_for("queued", ahead=0)
    server.stop()
    time.sleep(1)
    server.start()
    worker_on(server.url)
    stream = follower.end(timeout_s=60)
    assert kinds(stream)[0] == "queued" and kinds(stream)[-1] == "result", stream
    assert stream[-1][1]["result"]["counts"] == [float(k) for k in range(10)]


def test_new_jobs_work_again_once_redis_is_back_without_restarting_anything(on_redis, worker_on):
    client, server = on_redis()
    process = worker_on(server.url)
    assert kinds(events(client, start(client, "fake-counter", steps=2, delay_s=0.0)))[-1] == "result"
    server.stop()
    assert_queue_down(client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}}), server.url)
    time.sleep(1.5)  # the idle worker notices too
    server.start()
    job_id = start(client, "fake-counter", steps=2, delay_s=0.0)  # the same server and worker, reconnected
    assert kinds(events(client, job_id))[-1] == "result"
    assert process.poll() is None and "Traceback" not in process.log.read_text()


@pytest.mark.parametrize("down_s, steps", [
    pytest.param(1.0, 60, id="a-second"),
    # longer than a heartbeat lasts (ALIVE_S): the heartbeat key expired meanwhile, but the worker never died,
    # so the job must not be ended as dead in the moment before its next beat
    pytest.param(redis_queue.ALIVE_S + 1.5, 200, id="past-its-heartbeat"),
])
def test_a_job_in_training_when_redis_restarts_with_its_data_reaches_its_result(on_redis, worker_on, down_s, steps):
    client, server = on_redis(keep=True)
    process = worker_on(server.url)
    job_id = start(client, "fake-counter", steps=steps, delay_s=0.05)  # training outlasts the outage
    follower = Follower(client, job_id)
    follower.wait_for("progress")
    server.stop()
    time.sleep(down_s)  # the job trains on meanwhile, its progress unrecorded
    server.start()
    stream = follower.end(timeout_s=60)
    assert stream[-1][0] == "result", stream
    assert stream[-1][1]["result"]["counts"] == [float(k) for k in range(steps)]
    log = process.log.read_text()
    assert process.poll() is None and "Traceback" not in log
    assert f"job {job_id}: Redis stopped answering" in log


def test_a_job_in_training_when_redis_restarts_empty_stops_and_its_follower_is_told(on_redis, worker_on):
    client, server = on_redis()  # --save '': the restarted Redis has no job at all
    process = worker_on(server.url)
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(client, job_id)
    follower.wait_for("progress")
    server.stop()
    time.sleep(1)
    server.start()
    assert follower.end(timeout_s=30)[-1] == ("error", {"message": redis_queue.lost_message(server.url)})
    assert kinds(events(client, start(client, "fake-counter", steps=2, delay_s=0.0)))[-1] == "result"  # the same worker
    log = process.log.read_text()
    assert process.poll() is None and "Traceback" not in log, log


def test_a_worker_that_rq_gives_up_on_mid_job_says_so_in_one_sentence_and_goes_on(on_redis, worker_on):
    client, server = on_redis()
    process = worker_on(server.url, impatient=True)  # RQ checks in every second mid-job: it quits at once
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(client, job_id)
    follower.wait_for("progress")
    server.stop()
    wait_for_line(process, "stopped answering mid-job, so that job is lost; waiting for Redis to come back")
    server.start()
    wait_for_line(process, "rnnlab: Redis answers again")
    assert follower.end(timeout_s=30)[-1] == ("error", {"message": redis_queue.lost_message(server.url)})
    assert kinds(events(client, start(client, "fake-counter", steps=2, delay_s=0.0)))[-1] == "result"
    log = process.log.read_text()
    assert process.poll() is None and "Traceback" not in log, log
    assert "found an unhandled exception, quitting... (Redis does not answer: " in log  # RQ's, in one line


def wait_for_line(process, text: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in process.log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, process.log.read_text()
        time.sleep(0.05)


def test_a_job_redis_lost_on_its_way_to_the_queue_stops_counting_and_its_follower_is_told(on_redis):
    """START counted it, then Redis went away before RQ's enqueue (or answered START after the server gave up on
    it): a job with no RQ job. Made here as that moment leaves it, then aged past ENQUEUE_S."""
    client, server = on_redis()  # no worker; the learner may have 2 jobs
    learner = learner_of(client)
    r = redis.Redis.from_url(server.url)
    keys = redis_queue.Keys("lost")
    r.register_script(redis_queue.START)(
        keys=[keys.job, redis_queue.learner_key(learner), redis_queue.class_key("")],
        args=["lost", 2, -1, "fake-counter", learner, "", 60, 3600, "rq:job:", redis_queue.ENQUEUE_S])
    r.hset(keys.job, "created", float(r.hget(keys.job, "created")) - redis_queue.ENQUEUE_S - 1)
    start(client, "fake-counter")
    start(client, "fake-counter")  # the lost one no longer holds a slot
    assert events(client, "lost") == [("error", {"message": redis_queue.NOT_QUEUED})]
    r.close()


def test_a_worker_that_died_while_redis_was_away_is_still_found_dead_once_it_is_back(on_redis, worker_on):
    """The other side of the heartbeat's grace after an outage: it only delays the verdict on a worker that
    really died."""
    client, server = on_redis(keep=True)
    process = worker_on(server.url)
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)
    follower = Follower(client, job_id)
    follower.wait_for("progress")
    server.stop()
    process.kill()  # its work horse dies with it
    process.wait(10)
    server.start()
    assert follower.end(timeout_s=30)[-1] == ("error", {"message": redis_queue.DIED})
