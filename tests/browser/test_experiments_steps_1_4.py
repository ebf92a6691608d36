"""Each quick experiment of steps 1-4 redraws its chart when a control moves, and a
sentence with unknown words gets a readable error naming the words the models know."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open(page, lesson, experiment):
    step = next(s for s in lesson.steps if experiment in s.experiments)
    page.goto(f"/steps/{step.number}")
    widget = page.locator(f'.experiment[data-experiment="{experiment}"]')
    chart = widget.locator(".experiment-chart svg").first
    expect(chart).to_be_visible(timeout=20_000)
    return widget, chart.inner_html()


def _wait_for_redraw(page, experiment, before):
    page.wait_for_function(
        "([sel, before]) => { const svg = document.querySelector(sel); return svg && svg.innerHTML !== before; }",
        arg=[f'.experiment[data-experiment="{experiment}"] .experiment-chart svg', before],
        timeout=20_000,
    )


def test_order_matters_redraws_for_a_reordered_sentence(page, lesson, console_errors):
    widget, before = _open(page, lesson, "order-matters")
    box = widget.get_by_role("textbox").first
    box.fill("dog bites man")
    _wait_for_redraw(page, "order-matters", before)
    expect(widget.locator(".experiment-chart")).to_contain_text("dog bites man")
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


def test_order_matters_names_the_known_words_when_one_is_unknown(page, lesson):
    widget, _ = _open(page, lesson, "order-matters")
    widget.get_by_role("textbox").first.fill("the cow bites the man")
    status = widget.locator(".experiment-status.error")
    expect(status).to_contain_text("cow", timeout=20_000)
    expect(status).to_contain_text("woman")


@pytest.mark.parametrize("experiment, control", [("hidden-state", "Step t"), ("bptt", "Truncation window k")])
def test_moving_a_slider_redraws_the_chart(page, lesson, console_errors, experiment, control):
    widget, before = _open(page, lesson, experiment)
    widget.get_by_role("slider", name=control).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _wait_for_redraw(page, experiment, before)
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


def test_vanishing_gradients_redraws_when_the_cell_changes(page, lesson, console_errors):
    widget, before = _open(page, lesson, "vanishing-gradients")
    widget.get_by_role("button", name="lstm", exact=True).click()
    _wait_for_redraw(page, "vanishing-gradients", before)
    expect(widget.locator(".experiment-chart")).to_contain_text("LSTM")
    assert console_errors == []
