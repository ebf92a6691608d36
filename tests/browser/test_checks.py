"""Answering checks: feedback at once, kept across a reload, cleared by a reset."""

import re

import pytest
from playwright.sync_api import expect

from rnnlab.runtime import predict

pytestmark = pytest.mark.browser

OPEN_DEEPER = "e => { const d = e.closest('details'); if (d) d.open = true; }"


def first_check(lesson, kind):
    return next(c for c in lesson.checks.values() if c.kind == kind)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_a_wrong_then_a_right_answer_each_show_their_feedback(page, lesson, console_errors):
    check = first_check(lesson, "single")
    right = next(o for o in check.options if o.correct)
    wrong = next(o for o in check.options if not o.correct)
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.evaluate(OPEN_DEEPER)  # the check may sit in a folded go-deeper section

    box.locator(f'input[value="{wrong.id}"]').check()
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Not quite")
    chosen = box.locator(f'label[for="{check.id}-{wrong.id}"]')
    expect(chosen).to_have_class(re.compile("not-ok"))
    expect(chosen).to_contain_text(text_of(wrong.feedback_html)[:40])
    expect(box.locator(".check-explanation")).to_be_visible()

    box.locator(f'input[value="{right.id}"]').check()
    expect(box.locator(".check-verdict")).to_have_text("")
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Correct")
    chosen = box.locator(f'label[for="{check.id}-{right.id}"]')
    expect(chosen).to_have_class(re.compile(r"\bok\b"))
    expect(chosen).to_contain_text(text_of(right.feedback_html)[:40])
    assert console_errors == []


def test_submitting_without_an_answer_asks_for_one_and_stores_nothing(page, lesson):
    check = first_check(lesson, "single")
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.evaluate(OPEN_DEEPER)  # the check may sit in a folded go-deeper section
    box.get_by_role("button", name="Check my answer").click()
    expect(box.get_by_role("alert")).to_have_text("Choose an answer first.")
    page.reload()
    expect(box.locator("input:checked")).to_have_count(0)


def test_progress_survives_a_reload_and_reset_clears_it(page, lesson):
    check = first_check(lesson, "single")
    right = next(o for o in check.options if o.correct)
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.evaluate(OPEN_DEEPER)  # the check may sit in a folded go-deeper section
    box.locator(f'input[value="{right.id}"]').check()
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Correct")

    page.reload()
    expect(box.locator(f'input[value="{right.id}"]')).to_be_checked()
    expect(box.locator(".check-verdict")).to_contain_text("Correct")
    page.goto("/")
    expect(page.get_by_role("link", name=f"Resume at step {check.step}")).to_be_visible()
    page.goto("/summary")
    expect(page.locator(".score-total")).to_contain_text(f"1 of {len(lesson.checks)}")

    page.get_by_role("button", name="Reset my progress…").click()
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_role("link", name="Start the lesson")).to_be_visible()
    page.goto(f"/steps/{check.step}")
    expect(box.locator("input:checked")).to_have_count(0)


def test_cancelling_the_reset_dialog_keeps_progress(page, lesson):
    check = first_check(lesson, "single")
    page.goto(f"/steps/{check.step}")
    page.goto("/summary")
    page.get_by_role("button", name="Reset my progress…").click()
    page.keyboard.press("Escape")
    page.goto("/")
    expect(page.get_by_role("link", name=f"Resume at step {check.step}")).to_be_visible()


def tab_to(page, locator, limit=8):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def test_matching_exercise_can_be_done_with_the_keyboard_alone(page, lesson):
    check = first_check(lesson, "matching")
    targets = [t.id for t in check.targets]
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.evaluate(OPEN_DEEPER)  # the check may sit in a folded go-deeper section
    box.locator("select").first.focus()
    shown = box.locator("select").evaluate_all("selects => selects.map(s => s.id)")  # this learner's order
    items = sorted(check.options, key=lambda item: shown.index(f"{check.id}-{item.id}"))
    for n, item in enumerate(items):
        select = box.locator(f'select[id="{check.id}-{item.id}"]')
        if n:
            tab_to(page, select)
        for _ in range(targets.index(item.target) + 1):
            page.keyboard.press("ArrowDown")
        expect(select).to_have_value(item.target)
    tab_to(page, box.get_by_role("button", name="Check my answer"))
    page.keyboard.press("Enter")
    expect(box.locator(".check-verdict")).to_contain_text("Correct")
    expect(box.locator(".match-item.ok")).to_have_count(len(check.options))


def test_ordering_check_can_be_reordered_with_its_buttons(page, lesson):
    check = first_check(lesson, "ordering")
    page.goto(f"/steps/{check.step}")
    box = page.locator(f'.check[data-check="{check.id}"]')
    box.evaluate(OPEN_DEEPER)  # the check may sit in a folded go-deeper section
    for position, item_id in enumerate(check.order):
        item = box.locator(f'.order-item[data-id="{item_id}"]')
        while box.locator(".order-item").nth(position).get_attribute("data-id") != item_id:
            item.get_by_role("button", name=re.compile("up$")).click()
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Correct")


def answer_rightly(page, box, check):
    if check.kind == "predict":
        measured = predict.measure(check)["value"]
        if check.prediction.answer == "choice":
            box.locator(f'input[value="{measured}"]').check()
        else:
            box.get_by_label("Your prediction").fill(repr(measured))
        box.get_by_role("button", name="Commit my prediction").click()
        expect(box.locator(".check-verdict")).to_contain_text("Your prediction holds", timeout=20_000)
        return
    if check.kind == "single":
        box.locator(f'input[value="{next(o.id for o in check.options if o.correct)}"]').check()
    elif check.kind == "multiple":
        for option in check.options:
            box.locator(f'input[value="{option.id}"]').set_checked(option.correct)
    elif check.kind == "numeric":
        box.get_by_label("Your answer").fill(repr(check.numeric.value))
    elif check.kind == "matching":
        for item in check.options:
            box.locator(f'select[id="{check.id}-{item.id}"]').select_option(item.target)
    else:
        for position, item_id in enumerate(check.order):
            while box.locator(".order-item").nth(position).get_attribute("data-id") != item_id:
                box.locator(f'.order-item[data-id="{item_id}"]').get_by_role("button", name=re.compile("up$")).click()
    box.get_by_role("button", name="Check my answer").click()
    expect(box.locator(".check-verdict")).to_contain_text("Correct")


def test_answering_every_check_on_a_step_marks_it_completed(page, lesson):
    step = min(lesson.steps, key=lambda s: (len(s.checks), s.number))
    page.goto(f"/steps/{step.number}")
    assert step.number not in page.request.get("/api/progress").json()["completed"]
    for check_id in step.checks:
        answer_rightly(page, page.locator(f'.check[data-check="{check_id}"]'), lesson.checks[check_id])
    for _ in range(50):  # the page reports completion in the background
        if step.number in page.request.get("/api/progress").json()["completed"]:
            break
        page.wait_for_timeout(100)
    assert step.number in page.request.get("/api/progress").json()["completed"]
    page.goto("/")
    expect(page.locator(".step-list li.completed")).to_have_count(1)
