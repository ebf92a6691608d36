"""A learner's path through the lesson, in a real browser."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_learner_walks_from_home_through_every_step_to_the_summary(page, lesson, console_errors):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title)
    page.get_by_role("link", name="Start the lesson").click()
    total = len(lesson.steps)
    for step in lesson.steps:
        expect(page).to_have_url(re.compile(f"/steps/{step.number}$"))
        expect(page.locator(".step-count")).to_have_text(f"Step {step.number} / {total}")
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        expect(page.locator('.progress-steps a[aria-current="step"]')).to_have_attribute("href", f"/steps/{step.number}")
        page.locator(".step-nav a.next").click()
    expect(page).to_have_url(re.compile("/summary$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your summary")
    page.goto("/")
    expect(page.get_by_role("link", name=f"Resume at step {lesson.steps[-1].number}")).to_be_visible()
    assert console_errors == []


def test_arrow_keys_move_between_steps_but_not_out_of_a_form_control(page, lesson):
    page.goto("/steps/2")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile("/steps/3$"))
    # The URL changes when the new page is committed, before its scripts have
    # bound the keys: wait for them, as a reader's eyes would.
    page.wait_for_load_state("load")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile("/steps/2$"))
    page.wait_for_load_state("load")
    page.locator(".check input, .check select, .check button").first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile("/steps/2$"))
    page.goto(f"/steps/{lesson.steps[-1].number}")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile("/summary$"))


def test_unknown_step_gets_a_friendly_not_found_page(page, console_errors):
    console_errors.allow("status of 404")
    response = page.goto("/steps/99")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("There is no such page")
    expect(page.locator(".notice")).to_contain_text("There is no step “99”")
    page.locator(".step-list a").first.click()
    expect(page).to_have_url(re.compile("/steps/1$"))


def test_a_visit_lands_even_when_the_learner_leaves_the_step_at_once(page):
    """A quick → (or a click) can leave a step before its visit reaches the server: the browser must finish
    that request after the page is gone (keepalive), or "Resume" forgets the step. The visit is held back
    here until the learner has left."""
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/progress/visit", hold_the_first)
    page.goto("/steps/5")
    deadline = time.monotonic() + 10
    while not held:
        assert time.monotonic() < deadline, "step 5 sent no visit"
        page.wait_for_timeout(50)
    page.goto("/glossary")  # gone before the visit was sent
    held[0].continue_()
    deadline = time.monotonic() + 10
    while True:
        page.goto("/")
        if page.locator("#start").inner_text() == "Resume at step 5":
            break
        assert time.monotonic() < deadline, "the visit to step 5 was lost when the learner left the page"
        page.wait_for_timeout(200)
