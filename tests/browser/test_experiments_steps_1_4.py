"""Each quick experiment of steps 1-4 redraws its chart when a control moves, and a
sentence with unknown words gets a readable error naming the words the models know."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser



def test_order_matters_redraws_for_a_reordered_sentence(page, console_errors, open_experiment,
                                                        wait_for_redraw):
    widget, before = open_experiment("order-matters")
    box = widget.get_by_role("textbox").first
    box.fill("dog bites man")
    wait_for_redraw("order-matters", before)
    expect(widget.locator(".experiment-chart")).to_contain_text("dog bites man")
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


def test_order_matters_names_the_known_words_when_one_is_unknown(page, open_experiment, console_errors):
    console_errors.allow("status of 422")  # the unknown word's answer
    widget, _ = open_experiment("order-matters")
    widget.get_by_role("textbox").first.fill("the cow bites the man")
    status = widget.locator(".experiment-status.error")
    expect(status).to_contain_text("cow", timeout=20_000)
    expect(status).to_contain_text("woman")


@pytest.mark.parametrize("experiment, control", [("hidden-state", "Step t"), ("bptt", "Truncation window k")])
def test_moving_a_slider_redraws_the_chart(page, console_errors, experiment, control, open_experiment,
                                           wait_for_redraw):
    widget, before = open_experiment(experiment)
    widget.get_by_role("slider", name=control).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_redraw(experiment, before)
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


def test_vanishing_gradients_redraws_when_the_cell_changes(page, console_errors, open_experiment,
                                                           wait_for_redraw):
    widget, before = open_experiment("vanishing-gradients")
    widget.get_by_role("button", name="lstm", exact=True).click()
    wait_for_redraw("vanishing-gradients", before)
    expect(widget.locator(".experiment-chart")).to_contain_text("LSTM")
    assert console_errors == []
