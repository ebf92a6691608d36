"""A learner's path through the lesson, in a real browser."""

import re

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
