"""Predict checks in the browser (commit, then the live model's number), options
in a learner's own order, and the summary's "Review what you missed"."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_prediction_is_committed_then_the_measured_value_and_its_feedback_appear(page, lesson, console_errors):
    check = lesson.checks["step4-predict-fade"]
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    expect(box.locator(".check-measured")).to_be_hidden()
    box.get_by_label("Your prediction").fill("0.3")
    box.get_by_role("button", name="Commit my prediction").click()
    expect(box.locator(".check-verdict")).to_contain_text("The model disagrees", timeout=20_000)
    expect(box.locator(".check-measured")).to_contain_text(re.compile(r"Measured by the live model: \d\.\de-(19|2\d)"))
    expect(box.locator(".option-feedback")).to_contain_text("you said 0.3")
    page.reload()
    expect(box.get_by_label("Your prediction")).to_have_value("0.3")
    expect(box.locator(".check-measured")).to_be_visible()
    assert console_errors == []


def test_a_choice_prediction_names_the_models_answer(page, lesson):
    check = lesson.checks["step6-predict-move"]
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.locator('input[value="large"]').check()
    box.get_by_role("button", name="Commit my prediction").click()
    expect(box.locator(".check-verdict")).to_contain_text("The model disagrees", timeout=20_000)
    expect(box.locator(".check-measured")).to_contain_text("Less than 0.2")
    expect(box.locator('label[for="step6-predict-move-small"]')).to_have_class(re.compile("answer"))


def test_options_appear_in_the_learners_own_order_which_survives_a_reload(page, lesson):
    page.goto("/steps/5")
    order = lambda: page.locator('.check[data-check="step5-store-a-value"] input').evaluate_all(  # noqa: E731
        "inputs => inputs.map(i => i.value)")
    first = order()
    assert sorted(first) == ["a", "b", "c", "d"]
    page.reload()
    assert order() == first


def test_a_missed_check_comes_back_on_the_summary_and_a_right_answer_clears_it(page, lesson, console_errors):
    check = lesson.checks["step3-shared-weights"]
    right = next(o.id for o in check.options if o.correct)
    wrong = next(o.id for o in check.options if not o.correct)
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.locator(f'input[value="{wrong}"]').check()
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Not quite")

    page.goto("/")
    page.get_by_role("link", name="Review the 1 check you missed").click()
    expect(page).to_have_url(re.compile(r"/summary#review$"))
    review = page.locator("#review")
    expect(review.get_by_role("heading", name="Review what you missed")).to_be_visible()
    again = review.locator(f'.check[data-check="{check.id}"]')
    expect(again.locator("input:checked")).to_have_count(0)  # a fresh try
    again.locator(f'input[value="{right}"]').check()
    again.get_by_role("button", name="Check my answer").click()
    expect(again.locator(".check-verdict")).to_contain_text("Correct")
    expect(page.locator("#review-count")).to_contain_text("All cleared")

    page.reload()
    expect(page.locator("#review")).to_have_count(0)
    page.goto("/")
    expect(page.locator("#review-note")).to_have_count(0)
    assert console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_checks_look_right_at_desktop_and_phone_widths(page, lesson, screenshot, axe_violations, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/steps/4")
    box = page.locator('.check[data-check="step4-predict-fade"]')
    box.get_by_label("Your prediction").fill("1e-15")
    box.get_by_role("button", name="Commit my prediction").click()
    expect(box.locator(".check-verdict")).to_contain_text("prediction holds", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box.screenshot(path=str(screenshot(f"step4-predicted-{width}").with_name(f"predict-check-{width}.png")))
    why = page.locator('.check[data-check="step4-why-fail"]')
    page.locator("details.deeper", has=why).locator("summary").click()  # it sits in a go-deeper section
    why.locator('input[value="b"]').check()
    why.get_by_role("button", name="Check my answer").click()
    expect(why.locator(".check-verdict")).to_contain_text("Not quite")
    page.goto("/summary")
    expect(page.locator("#review")).to_be_visible()
    screenshot(f"summary-review-{width}")
    assert axe_violations(skip_charts=True) == []
