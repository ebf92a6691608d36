"""The experiments of steps 5, 6 and 8 in the page: each control used once redraws the
chart, bad input gets a readable message, the cell race trains live, and the charts
fit a desktop and a phone screen."""

import pytest
from playwright.sync_api import expect

from rnnlab.experiments import cell_race

pytestmark = pytest.mark.browser



def test_lstm_gate_surgery_on_the_input_gate_redraws_the_cell_state(page, console_errors, open_experiment,
                                                                    wait_for_redraw):
    widget, before = open_experiment("lstm-gates")
    widget.get_by_role("button", name="input", exact=True).click()
    wait_for_redraw("lstm-gates", before)
    expect(widget.locator(".experiment-chart")).to_contain_text("i clamped to 0 from step 8")
    assert console_errors == []


@pytest.mark.parametrize("control", ["Clamp the gate to", "From step k"])
def test_lstm_gate_sliders_redraw_the_chart(page, console_errors, control, open_experiment, wait_for_redraw):
    widget, before = open_experiment("lstm-gates")
    widget.get_by_role("slider", name=control).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_redraw("lstm-gates", before)
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    assert console_errors == []


@pytest.mark.parametrize("experiment", ["lstm-gates", "gru-gates"])
def test_a_typed_sequence_redraws_and_a_bad_one_says_what_is_allowed(page, experiment, open_experiment,
                                                                     wait_for_redraw, console_errors):
    console_errors.allow("status of 422")  # the bad sequence's answer
    widget, before = open_experiment(experiment)
    box = widget.get_by_role("textbox").first
    box.fill("dcba*bcdcdcdcdcd?")
    wait_for_redraw(experiment, before)
    expect(widget.locator(".experiment-status.error")).to_have_count(0)
    box.fill("ab*cx")
    expect(widget.locator(".experiment-status.error")).to_contain_text("use only the symbols abcd", timeout=20_000)


@pytest.mark.parametrize("pattern, text, shown", [
    ("many-to-many", "fish fish fish", "VERB"), ("one-to-many", "R", "(1, 30)"),
    ("encoder-decoder", "3 June 1999", "1999-06-03"), ("many-to-one", "Great phone, I love it", "positive"),
])
def test_each_architecture_pattern_answers_the_learners_input(page, console_errors, pattern, text, shown,
                                                              open_experiment, wait_for_redraw):
    widget, before = open_experiment("architecture-match")
    widget.get_by_role("combobox", name="Pattern").select_option(pattern)
    widget.get_by_role("textbox").first.fill(text)
    wait_for_redraw("architecture-match", before)
    expect(widget.locator(".experiment-chart")).to_contain_text(shown, timeout=30_000)
    assert console_errors == []


@pytest.mark.parametrize("width", [375])
def test_cell_race_trains_live_and_labels_each_curve_with_its_parameter_count(page, lesson, console_errors,
                                                                              screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    widget, _ = _open_job(page, lesson, "cell-race")
    for slider in widget.get_by_role("slider").all():  # the smallest settings train fastest
        slider.focus()
        page.keyboard.press("Home")
    widget.get_by_role("button", name="Train").click()
    expect(widget.locator(".experiment-status")).to_have_text("Done.", timeout=90_000)
    chart = widget.locator(".experiment-chart")
    for racer in cell_race._racers(cell_race.Params.model_json_schema()["properties"]["lstm_hidden"]["minimum"]):
        expect(chart).to_contain_text(racer.label)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    widget.screenshot(path=str(screenshot(f"cell-race-{width}").with_name(f"cell-race-{width}-widget.png")))
    assert console_errors == []


def _open_job(page, lesson, experiment):
    step = next(s for s in lesson.steps if experiment in s.experiments)
    page.goto(f"/steps/{step.number}")
    widget = page.locator(f'.experiment[data-experiment="{experiment}"]')
    widget.evaluate("e => { const d = e.closest('details'); if (d) d.open = true; }")  # in a go-deeper section
    return widget, step.number


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("experiment", ["lstm-gates", "gru-gates", "architecture-match"])
def test_charts_fit_desktop_and_phone_screens(page, screenshot, width, experiment, open_experiment):
    page.set_viewport_size({"width": width, "height": 900})
    widget, _ = open_experiment(experiment)
    chart = widget.locator(".experiment-chart svg").first
    widget.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box["width"] <= width and box["x"] >= 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    widget.screenshot(path=str(screenshot(f"{experiment}-{width}").with_name(f"{experiment}-{width}-widget.png")))
