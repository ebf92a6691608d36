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
