"""Training jobs through the API: real worker processes running the test-only experiments."""

import asyncio
import threading
import time

import fake_experiments
import pytest
from server_process import alive
from sse_client import events, start

from rnnlab.runtime.jobs import Owner
from rnnlab.web.app import job_queue


def test_job_streams_progress_then_the_result(client):
    # 2 s: a loaded machine makes charts slow, and the worker then reports less often (Reporter's CHART_SHARE)
    job_id = start(client, "fake-counter", steps=20, delay_s=0.1)
    stream = events(client, job_id)
    kinds = [kind for kind, _ in stream]
    assert kinds[-1] == "result" and kinds.count("progress") >= 2
    progress = [data for kind, data in stream if kind == "progress"]
    fractions = [p["fraction"] for p in progress]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 1
    assert progress[0]["spec"]["mark"]["type"] == "line"
    assert stream[-1][1]["result"] == {"counts": [float(k) for k in range(20)]}
    assert stream[-1][1]["spec"]["data"]["values"][19] == {"i": 19, "value": 19.0}


def test_finished_job_replays_latest_progress_and_result_to_a_late_reader(client):
    job_id = start(client, "fake-counter", steps=3, delay_s=0.0)
    first = events(client, job_id)
    again = events(client, job_id)
    assert again[-1] == first[-1] and again[-1][0] == "result"
    assert [kind for kind, _ in again] in (["progress", "result"], ["result"])


def test_cancelled_job_ends_with_a_cancelled_event(client):
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)
    time.sleep(0.5)
    response = client.delete(f"/api/jobs/{job_id}")
    assert response.status_code == 200 and response.json()["id"] == job_id
    assert events(client, job_id)[-1][0] == "cancelled"


def test_job_that_ignores_cancel_is_killed_after_the_grace_period(client, app):
    job_id = start(client, "fake-stubborn", seconds=60)
    started = time.monotonic()
    client.delete(f"/api/jobs/{job_id}")
    assert events(client, job_id)[-1][0] == "cancelled"
    assert time.monotonic() - started < 8  # grace is 1 s; the rest is a loaded machine
    assert not alive(app.state.jobs.worker_pid(job_id))


def test_diverging_job_ends_with_an_error_event_carrying_its_message(client):
    stream = events(client, start(client, "fake-diverges"))
    assert stream[-1] == ("error", {"message": "the loss became NaN at step 3: lower the learning rate"})


def test_job_with_a_bug_ends_with_a_short_error_event(client):
    kind, data = events(client, start(client, "fake-crashes"))[-1]
    assert kind == "error" and data["message"] == "the experiment failed: ZeroDivisionError: float division by zero"


def test_job_over_its_time_limit_is_stopped_with_a_message(settings, tmp_path):
    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    app = create_app(settings.model_copy(update={"job_time_limits": {"fake-counter": 0.5}}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        stream = events(client, start(client, "fake-counter", steps=1000, delay_s=0.05))
    assert stream[-1] == ("error", {"message": "stopped after 0.5 s, the time limit for this experiment"})


def test_a_learners_third_concurrent_job_is_refused_with_429(client):
    ids = [start(client, "fake-counter", steps=1000, delay_s=0.05) for _ in range(2)]
    response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}})
    assert response.status_code == 429
    assert response.json()["detail"] == (
        "you already have 2 training jobs running or waiting — wait for one to finish or cancel it"
    )
    for job_id in ids:
        client.delete(f"/api/jobs/{job_id}")


def test_unknown_job_is_404_for_events_and_cancel(client):
    assert client.get("/api/jobs/nope/events").status_code == 404
    assert "nope" in client.delete("/api/jobs/nope").json()["detail"]


def test_job_with_unknown_experiment_is_404(client):
    assert client.post("/api/jobs", json={"experiment": "nope", "params": {}}).status_code == 404


def test_job_with_bad_params_is_422_naming_the_field(client):
    response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": {"steps": 0}})
    assert response.status_code == 422 and response.json()["detail"] == "steps: must be ≥ 1 (got 0)"


def test_job_request_without_experiment_is_422(client):
    assert client.post("/api/jobs", json={"params": {}}).json()["detail"] == "experiment: is required"


def test_quick_experiment_posted_as_a_job_is_409(client):
    response = client.post("/api/jobs", json={"experiment": "fake-echo", "params": {}})
    assert response.status_code == 409 and "/api/experiments/fake-echo" in response.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_unknown_api_path_is_json_404(client, method):
    response = client.request(method, "/api/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"detail": f"no such API endpoint: {method} /api/nothing/here"}


def test_shutting_the_app_down_stops_running_workers_and_empties_its_temp_spool(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as client:
        job_id = start(client, "fake-stubborn", seconds=60)
        pid = app.state.jobs.worker_pid(job_id)
        assert alive(pid) and app.state.jobs.job_ids() == [job_id]
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid) and app.state.jobs.job_ids() == []


def test_worker_process_uses_one_blas_thread_whatever_the_server_was_given(client, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")  # what the worker would inherit
    kind, data = events(client, start(client, "fake-blas"))[-1]
    assert kind == "result" and data["result"]["values"] and set(data["result"]["values"]) == {1.0}


def test_worker_process_runs_at_lower_priority_than_the_server(client):
    import os

    from rnnlab.runtime.worker import WORKER_NICENESS

    kind, data = events(client, start(client, "fake-blas"))[-1]
    assert kind == "result" and data["result"]["niceness"] == min(os.nice(0) + WORKER_NICENESS, 19)


def test_finished_job_is_forgotten_after_the_keep_time(settings):
    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    app = create_app(settings.model_copy(update={"job_keep_s": 1.5}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        job_id = start(client, "fake-counter", steps=1, delay_s=0.0)
        assert events(client, job_id)[-1][0] == "result"
        ended = app.state.jobs.spool.job(job_id).finished_at()  # when its end was written (Unix time)
        assert client.get(f"/api/jobs/{job_id}/events").status_code == 200  # still kept
        assert time.time() - ended < 1.5  # (the check above came in time)
        statuses = []
        while time.time() - ended < 10 and 404 not in statuses:
            time.sleep(0.2)
            statuses.append(client.get(f"/api/jobs/{job_id}/events").status_code)
        assert statuses[-1] == 404 and time.time() - ended >= 1.5


def test_job_request_over_the_params_limit_is_413_and_starts_nothing(client, app):
    params = {"steps": 1, "note": "x" * 20_000}
    refused = client.post("/api/jobs", json={"experiment": "fake-counter", "params": params})
    assert refused.status_code == 413 and "16 KB" in refused.json()["detail"]
    assert app.state.jobs.job_ids() == []


def in_a_thread_of_its_own(coroutine):
    """Run ``coroutine`` on a new event loop in a new thread, which then exits; its result.
    (Not on the test's own thread: after the browser tests, Playwright's sync API keeps a loop running on it.)"""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=asyncio.run(coroutine)))
    thread.start()
    thread.join(timeout=60)
    return result["value"]


async def _all_events(jobs, job_id):
    return [event async for event in jobs.follow(job_id) if event is not None]


def test_a_job_started_from_a_thread_that_exits_trains_on_to_its_result(settings):
    # A worker dies when the thread that started its process exits (PR_SET_PDEATHSIG): the queue starts
    # every worker from its own watcher thread, never from the caller's, which may retire meanwhile.
    jobs = job_queue(settings)
    counter = fake_experiments.counter
    try:
        job_id = in_a_thread_of_its_own(jobs.start(counter, counter.Params(steps=20, delay_s=0.05), 30.0, Owner("a")))
        found = in_a_thread_of_its_own(_all_events(jobs, job_id))
        assert found[-1].kind == "result" and found[-1].data["result"]["counts"][-1] == 19.0
    finally:
        in_a_thread_of_its_own(jobs.shutdown())
