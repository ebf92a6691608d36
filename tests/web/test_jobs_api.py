"""Training jobs through the API: real worker processes running the test-only experiments."""

import concurrent.futures
import multiprocessing
import time

import fake_experiments
import pytest
from sse_client import events, start

from rnnlab.runtime.local import JobManager


def test_job_streams_progress_then_the_result(client):
    job_id = start(client, "fake-counter", steps=8, delay_s=0.1)
    stream = events(client, job_id)
    kinds = [kind for kind, _ in stream]
    assert kinds[-1] == "result" and kinds.count("progress") >= 2
    progress = [data for kind, data in stream if kind == "progress"]
    fractions = [p["fraction"] for p in progress]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 1
    assert progress[0]["spec"]["mark"]["type"] == "line"
    assert stream[-1][1]["result"] == {"counts": [float(k) for k in range(8)]}
    assert stream[-1][1]["spec"]["data"]["values"][7] == {"i": 7, "value": 7.0}


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
    assert not app.state.jobs.get(job_id).process.is_alive()


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


def test_third_concurrent_job_is_refused_with_429(client):
    ids = [start(client, "fake-counter", steps=1000, delay_s=0.05) for _ in range(2)]
    response = client.post("/api/jobs", json={"experiment": "fake-counter", "params": {}})
    assert response.status_code == 429
    assert response.json()["detail"] == (
        "two training jobs are already running — wait for one to finish or cancel it"
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


def test_shutting_the_app_down_stops_running_workers(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as client:
        job_id = start(client, "fake-stubborn", seconds=60)
        process = app.state.jobs.get(job_id).process
        assert process.is_alive()
    process.join(timeout=5)
    assert not process.is_alive()


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

    with TestClient(create_app(settings.model_copy(update={"job_keep_s": 1.5})), base_url="http://127.0.0.1") as client:
        job_id = start(client, "fake-counter", steps=1, delay_s=0.0)
        assert events(client, job_id)[-1][0] == "result"
        finished = time.monotonic()
        assert client.get(f"/api/jobs/{job_id}/events").status_code == 200  # still kept
        assert time.monotonic() - finished < 1.5  # (the check above came in time)
        statuses = []
        while time.monotonic() - finished < 10 and 404 not in statuses:
            time.sleep(0.2)
            statuses.append(client.get(f"/api/jobs/{job_id}/events").status_code)
        assert statuses[-1] == 404 and time.monotonic() - finished >= 1.5


def test_job_request_over_the_params_limit_is_413_and_starts_nothing(client, app):
    params = {"steps": 1, "note": "x" * 20_000}
    refused = client.post("/api/jobs", json={"experiment": "fake-counter", "params": params})
    assert refused.status_code == 413 and "16 KB" in refused.json()["detail"]
    assert app.state.jobs.jobs == {}


def test_a_job_started_off_the_event_loop_thread_is_refused_before_any_process_starts():
    # A worker dies when the thread that started it exits (PR_SET_PDEATHSIG): only the
    # event loop's thread, which lives as long as the server, may start one.
    jobs = JobManager(max_jobs=2, grace_s=1.0, keep_s=60.0, progress_interval_s=0.1)
    counter = fake_experiments.counter
    before = set(multiprocessing.active_children())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a thread-pool thread, as a plain `def` handler runs on
        # (not this test's own thread: after the browser tests, Playwright's sync API keeps a loop running on it)
        started = pool.submit(jobs.start, counter, counter.Params(), 10.0)
        with pytest.raises(RuntimeError, match="no running event loop"):
            started.result(timeout=30)
    assert set(multiprocessing.active_children()) == before and jobs.jobs == {}
