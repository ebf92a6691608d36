"""The experiment widget draws a live chart and redraws it as a control moves."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_moving_a_vanishing_gradients_control_redraws_the_chart(page, lesson, console_errors):
    step = next(s for s in lesson.steps if "vanishing-gradients" in s.experiments)
    page.goto(f"/steps/{step.number}")
    widget = page.locator('.experiment[data-experiment="vanishing-gradients"]')
    chart = widget.locator(".experiment-chart svg").first
    expect(chart).to_be_visible(timeout=20_000)
    before = chart.inner_html()

    slider = widget.get_by_role("slider").first
    shown = widget.locator("output").first
    value_before = shown.text_content()
    slider.focus()
    page.keyboard.press("End")
    expect(shown).not_to_have_text(value_before)
    page.wait_for_function(
        "([sel, before]) => { const svg = document.querySelector(sel); return svg && svg.innerHTML !== before; }",
        arg=['.experiment[data-experiment="vanishing-gradients"] .experiment-chart svg', before],
        timeout=20_000,
    )
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


def test_charts_follow_the_colour_scheme_when_it_changes(page, lesson):
    step = next(s for s in lesson.steps if "vanishing-gradients" in s.experiments)
    page.emulate_media(color_scheme="light")
    page.goto(f"/steps/{step.number}")
    label = page.locator('.experiment[data-experiment="vanishing-gradients"] .experiment-chart svg .role-axis-label text').first
    expect(label).to_be_visible(timeout=20_000)
    light = label.get_attribute("fill")
    page.emulate_media(color_scheme="dark")
    expect(page.locator('.experiment[data-experiment="vanishing-gradients"] .experiment-chart svg .role-axis-label text').first).not_to_have_attribute("fill", light)


def test_an_experiment_that_is_not_built_yet_shows_a_calm_placeholder(page, lesson, console_errors):
    step = next(s for s in lesson.steps if s.experiments)
    page.route("**/api/experiments", lambda route: route.fulfill(json=[]))  # as if none were registered yet
    page.goto(f"/steps/{step.number}")
    widget = page.locator(f'.experiment[data-experiment="{step.experiments[0]}"]')
    expect(widget).to_have_class(re.compile("coming-soon"))
    expect(widget).to_contain_text("still being built")
    assert console_errors == []


def test_an_experiment_error_is_shown_inline(page, lesson, console_errors):
    console_errors.allow("status of 422")  # the routed answer
    step = next(s for s in lesson.steps if "vanishing-gradients" in s.experiments)
    page.route("**/api/experiments/vanishing-gradients",
               lambda route: route.fulfill(status=422, json={"detail": "seq_len: must be ≤ 400 (got 401)"}))
    page.goto(f"/steps/{step.number}")
    status = page.locator('.experiment[data-experiment="vanishing-gradients"] .experiment-status')
    expect(status).to_have_text("seq_len: must be ≤ 400 (got 401)")
    expect(status).to_have_class(re.compile("error"))


def job_experiment(page, lesson, live_server):
    """A registered training ("job") experiment the lesson embeds, with its step."""
    jobs = {e["id"] for e in page.request.get(f"{live_server}/api/experiments").json() if e["kind"] == "job"}
    found = [(s.number, e) for s in lesson.steps for e in s.experiments if e in jobs]
    assert found, "the lesson embeds no registered training experiment"
    return found[0]


def test_training_experiment_streams_progress_and_draws_the_result(page, lesson, live_server, console_errors):
    number, experiment = job_experiment(page, lesson, live_server)
    page.goto(f"/steps/{number}")
    widget = page.locator(f'.experiment[data-experiment="{experiment}"]')
    widget.evaluate("e => { const d = e.closest('details'); if (d) d.open = true; }")  # in a go-deeper section
    for slider in widget.get_by_role("slider").all():  # the smallest settings train fastest
        slider.focus()
        page.keyboard.press("Home")
    widget.get_by_role("button", name="Train").click()
    expect(widget.get_by_role("button", name="Cancel")).to_be_visible()
    expect(widget.locator(".experiment-status")).to_have_text("Done.", timeout=60_000)
    expect(widget.locator(".experiment-chart svg").first).to_be_visible()
    expect(widget.get_by_role("button", name="Cancel")).to_be_hidden()
    expect(widget.get_by_role("button", name="Train")).to_be_enabled()
    assert console_errors == []


def test_training_experiment_can_be_cancelled(page, lesson, live_server):
    number, experiment = job_experiment(page, lesson, live_server)
    page.goto(f"/steps/{number}")
    widget = page.locator(f'.experiment[data-experiment="{experiment}"]')
    widget.evaluate("e => { const d = e.closest('details'); if (d) d.open = true; }")  # in a go-deeper section
    for slider in widget.get_by_role("slider").all():  # the largest settings train longest
        slider.focus()
        page.keyboard.press("End")
    widget.get_by_role("button", name="Train").click()
    expect(widget.locator(".experiment-status")).to_contain_text("Training", timeout=30_000)
    widget.get_by_role("button", name="Cancel").click()
    expect(widget.locator(".experiment-status")).to_have_text("Cancelled.", timeout=15_000)
    expect(widget.get_by_role("button", name="Train")).to_be_enabled()
