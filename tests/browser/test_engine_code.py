"""The engine's code on a step page, in chromium: reached and unfolded with the keyboard, long
lines scrolling inside their box on a phone, a Copy button; and the notebook link downloads."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOCUSED_SUMMARY = "() => document.activeElement && document.activeElement.matches('details.engine-code > summary')"


def tab_to_first_summary(page, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_SUMMARY):
            return
    raise AssertionError(f"no engine-code summary reached in {limit} presses of Tab")


def test_the_folded_code_opens_from_the_keyboard(page, console_errors, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light")
    page.goto("/steps/5")
    block = page.locator("details.engine-code").first
    expect(block).not_to_have_attribute("open", "")
    expect(block.locator("pre")).to_be_hidden()
    tab_to_first_summary(page)
    page.keyboard.press("Enter")
    expect(block).to_have_attribute("open", "")
    expect(block.locator("pre")).to_be_visible()
    expect(block.locator("figcaption")).to_contain_text("lstm_step_forward in rnnlab/nn/lstm.py, lines")
    page.keyboard.press("Tab")  # the next stop is the code itself, scrollable from the keyboard
    assert page.evaluate("document.activeElement.matches('details.engine-code pre')")
    block.scroll_into_view_if_needed()
    screenshot("engine-code-step-5-1280-light")
    assert console_errors == []


def test_long_lines_scroll_inside_their_box_on_a_phone(page, console_errors, screenshot):
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="dark")
    page.goto("/steps/2")
    pre = page.locator("details.engine-code[open] pre").first
    expect(pre).to_be_visible()
    sizes = pre.evaluate("p => [p.scrollWidth, p.clientWidth]")
    assert sizes[0] > sizes[1], "the code has lines longer than a phone is wide"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    pre.scroll_into_view_if_needed()
    screenshot("engine-code-step-2-375-dark")
    assert console_errors == []


def test_the_copy_button_copies_exactly_the_source(page, context, base_url):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto("/steps/2")
    figure = page.locator("figure.engine-source").first
    figure.get_by_role("button", name="Copy the source of rnn_step_forward").click()
    expect(figure.locator(".copy-code")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == figure.locator("pre").text_content()
    assert copied.startswith("def rnn_step_forward(")


def test_the_notebook_link_downloads_the_step_as_an_ipynb(page):
    page.goto("/steps/5")
    with page.expect_download() as download:
        page.get_by_role("link", name="Open as a notebook").click()
    assert download.value.suggested_filename == "rnnlab-step-5-lstm.ipynb"
