"""The browser's job client (static/js/jobs.js) against the real server: it rides out a
lost event stream, and a start the server refuses shows the server's own sentence."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

EXPERIMENT = "seq2seq"  # step 7's training widget


def _open(page, base_url):
    page.goto(f"{base_url}/steps/7")
    widget = page.locator(f'.experiment[data-experiment="{EXPERIMENT}"]')
    expect(widget.get_by_role("button", name="Train")).to_be_visible(timeout=20_000)
    return widget


def _smallest(page, widget):
    for slider in widget.get_by_role("slider").all():  # the smallest settings train fastest
        slider.focus()
        page.keyboard.press("Home")


@pytest.mark.parametrize("failure", ["dropped", "refused"])
def test_a_lost_event_stream_is_reconnected_and_the_job_still_ends_done(page, base_url, console_errors, failure):
    """The first connection fails as a network drop (the browser retries it) or as a proxy's 502
    (the browser gives up on it: the client retries); the job itself is real and unaffected."""
    console_errors.allow("net::ERR_FAILED" if failure == "dropped" else "status of 502")
    failed = []

    def fail_the_first(route):
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            if failure == "dropped":
                route.abort("failed")
            else:
                route.fulfill(status=502, body="Bad Gateway", content_type="text/plain")

    page.route("**/api/jobs/*/events", fail_the_first)
    widget = _open(page, base_url)
    _smallest(page, widget)
    widget.get_by_role("button", name="Train").click()
    expect(widget.locator(":scope > .experiment-status")).to_have_text("Done.", timeout=60_000)
    assert len(failed) == 1  # the first stream did fail, and a later one brought the result
    expect(widget.locator(".experiment-chart svg").first).to_be_visible()
    expect(widget.get_by_role("button", name="Cancel")).to_be_hidden()


@pytest.mark.timeout(120)
def test_a_stream_refused_every_time_ends_with_the_servers_own_sentence(page, base_url, console_errors):
    """An EventSource never shows a refusal's body: after its retries the page asks once more and says why."""
    console_errors.allow("status of 503")
    detail = "the training queue is not answering right now; your progress is safe — try again in a minute"
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.fulfill(status=503, json={"detail": detail}, headers={"Retry-After": "60"})

    page.route("**/api/jobs/*/events", refuse)
    widget = _open(page, base_url)
    _smallest(page, widget)
    widget.get_by_role("button", name="Train").click()
    status = widget.locator(":scope > .experiment-status")
    expect(status).to_have_text(f"Lost the connection to the training job: {detail}.", timeout=60_000)
    expect(status).to_have_class(re.compile("error"))
    assert len(refused) >= 6  # the stream's tries, then the one that read the sentence
    expect(widget.get_by_role("button", name="Train")).to_be_enabled()
    job = re.search(r"/api/jobs/([^/]+)/events", refused[0])[1]  # still training on the server: stop it
    page.request.delete(f"{base_url}/api/jobs/{job}", headers={"origin": base_url})
    page.request.get(f"{base_url}/api/jobs/{job}/events", timeout=30_000)


def test_a_refused_start_shows_the_servers_sentence(page, base_url, console_errors):
    console_errors.allow("status of 429")  # the refusal under test
    widget = _open(page, base_url)
    same_learner = {"origin": base_url}  # page.request shares the page's cookie: the same learner
    body = {"experiment": EXPERIMENT, "params": {}}
    started = []
    try:
        for _ in range(5):  # until a limit says no (per learner, per class or per machine)
            response = page.request.post(f"{base_url}/api/jobs", data=body, headers=same_learner)
            if response.status != 201:
                break
            started.append(response.json()["id"])
        assert response.status == 429, response.text()
        sentence = response.json()["detail"]
        widget.get_by_role("button", name="Train").click()
        status = widget.locator(":scope > .experiment-status")
        expect(status).to_have_text(sentence)
        expect(status).to_have_class(re.compile("error"))
        expect(widget.get_by_role("button", name="Train")).to_be_enabled()
        expect(widget.get_by_role("button", name="Cancel")).to_be_hidden()
    finally:
        for job in started:  # free the slots for the next test: cancel, then read each stream to its end
            page.request.delete(f"{base_url}/api/jobs/{job}", headers=same_learner)
            page.request.get(f"{base_url}/api/jobs/{job}/events", timeout=30_000)


def test_a_job_waiting_for_a_worker_says_so_then_trains_when_one_starts(page, redis_url, tmp_path):
    """With the Redis queue and no worker yet, the page says the job waits; a worker started then trains it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    from server_process import wait_for_url

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    rnnlab = [sys.executable, "-m", "rnnlab.cli"]
    server = subprocess.Popen([*rnnlab, "serve", "--no-browser", "--port", "0", "--workers", "1", "--no-warm-up",
                               "--db", str(tmp_path / "p.db"), "--queue", redis_url],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    worker = None
    try:
        url = wait_for_url(server, timeout_s=60).rstrip("/")
        widget = _open(page, url)
        _smallest(page, widget)
        widget.get_by_role("button", name="Train").click()
        status = widget.locator(":scope > .experiment-status")
        expect(status).to_have_text(re.compile("Waiting for a free trainer — you are next"), timeout=20_000)
        expect(widget.get_by_role("button", name="Cancel")).to_be_visible()
        worker = subprocess.Popen([*rnnlab, "worker", "--queue", redis_url, "--burst"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        expect(status).to_have_text("Done.", timeout=90_000)
        expect(widget.locator(".experiment-chart svg").first).to_be_visible()
    finally:
        for process in (worker, server):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
        server.stdout.close()


def test_a_page_says_why_when_redis_goes_away(page, restartable_redis, tmp_path, console_errors):
    """With the Redis queue: Train while Redis is down shows the 503's sentence; a job waiting when Redis restarts
    empty (it keeps nothing) ends with the sentence saying the queue forgot it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
    from server_process import wait_for_url

    from rnnlab.runtime.redis_queue import down_message, lost_message

    console_errors.allow("status of 503")  # the refusal under test
    redis = restartable_redis()
    server = subprocess.Popen([sys.executable, "-m", "rnnlab.cli", "serve", "--no-browser", "--port", "0",
                               "--workers", "1", "--no-warm-up", "--db", str(tmp_path / "p.db"), "--queue", redis.url],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    try:
        widget = _open(page, wait_for_url(server, timeout_s=60).rstrip("/"))
        _smallest(page, widget)
        train, status = widget.get_by_role("button", name="Train"), widget.locator(":scope > .experiment-status")
        redis.stop()
        train.click()
        expect(status).to_have_text(down_message(redis.url), timeout=20_000)
        expect(status).to_have_class(re.compile("error"))
        expect(train).to_be_enabled()
        redis.start()
        train.click()  # no worker: it waits in the queue
        expect(status).to_have_text(re.compile("Waiting for a free trainer"), timeout=20_000)
        redis.stop()
        redis.start()
        expect(status).to_have_text(lost_message(redis.url), timeout=20_000)
        expect(status).to_have_class(re.compile("error"))
        expect(widget.get_by_role("button", name="Cancel")).to_be_hidden()
        expect(train).to_be_enabled()
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stdout.close()
