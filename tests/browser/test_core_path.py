"""The core path as a learner sees it in chromium: the words outside the folded "go deeper"
sections are the ones the minutes are computed from; the sections open from the keyboard;
a display equation wider than a phone scrolls inside its own box."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The same counting rule as rnnlab/lesson/timing.py, applied to the rendered page: drop the
# <details> sections, the experiments' and checks' widgets and the diagrams' SVG; an inline
# formula is one word, a display equation 8 words a line (its TeX, from KaTeX's annotation).
VISIBLE_WORDS = r"""
() => {
  const body = document.querySelector("#step-body");
  const clone = body.cloneNode(true);
  clone.removeAttribute("id");
  clone.querySelectorAll("details, .experiment, .check, svg").forEach((e) => e.remove());
  let equations = 0;
  clone.querySelectorAll(".math.display").forEach((e) => {
    const tex = (e.querySelector("annotation") || e).textContent;
    equations += 8 * (1 + (tex.match(/\\\\/g) || []).length);
    e.remove();
  });
  clone.querySelectorAll(".math.inline").forEach((e) => e.replaceWith(" M "));
  clone.style.position = "absolute";
  clone.style.left = "-100000px";
  clone.style.width = "700px";
  document.body.append(clone);
  const text = clone.innerText;
  clone.remove();
  const words = text.split(/\s+/).filter((t) => /[\p{L}\p{N}]/u.test(t)).length;
  const outside = (sel) => [...body.querySelectorAll(sel)].filter((e) => !e.closest("details"));
  return {
    words: words + equations,
    checks: outside("[data-check]").map((e) => e.dataset.check),
    experiments: outside("[data-experiment]").map((e) => e.dataset.experiment),
    katex: body.querySelectorAll(".math[data-rendered]").length,
  };
}
"""


@pytest.mark.parametrize("number", range(1, 9))
def test_visible_words_in_chromium_match_the_core_path_minutes(page, lesson, number):
    step = lesson.step(number)
    page.goto(f"/steps/{number}")
    page.wait_for_function("document.querySelectorAll('#step-body .math:not([data-rendered])').length === 0")
    seen = page.evaluate(VISIBLE_WORDS)
    assert (seen["katex"] > 0) == ('class="math' in step.html)  # the maths was typeset before counting
    assert seen["words"] == step.core.words
    assert (tuple(seen["checks"]), tuple(seen["experiments"])) == (step.core.checks, step.core.experiments)
    expect(page.locator(".step-meta")).to_contain_text(f"About {step.minutes_label} min")
    for details in page.locator("#step-body details.deeper").all():
        expect(details).not_to_have_attribute("open", re.compile(".*"))  # folded until asked for


def test_a_go_deeper_section_opens_from_the_keyboard_and_says_what_is_inside(page, lesson):
    page.goto("/steps/4")
    summaries = page.locator("#step-body details.deeper > summary")
    assert summaries.count() == len(lesson.step(4).deeper)
    first = summaries.first
    expect(first).to_contain_text("Go deeper")
    expect(first).to_contain_text(re.sub(r"\$[^$]*\$", "", lesson.step(4).deeper[0]).split()[0])
    table = page.locator("#step-body details.deeper").first.locator("table")
    expect(table).to_be_hidden()
    first.focus()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    page.keyboard.press("Enter")
    expect(table).to_be_hidden()


def test_a_training_experiment_inside_a_go_deeper_section_is_ready_when_opened(page):
    page.goto("/steps/4")
    widget = page.locator('.experiment[data-experiment="long-range-memory"]')
    train = widget.get_by_role("button", name="Train")
    expect(train).to_be_hidden()
    widget.locator("xpath=ancestor::details[1]/summary").click()
    expect(train).to_be_visible()
    expect(train).to_be_enabled()
    expect(widget.get_by_role("slider").first).to_be_visible()


def test_wide_display_maths_scrolls_inside_its_box_on_a_phone(page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/steps/5")
    page.wait_for_function("document.querySelectorAll('#step-body .math.display[data-rendered]').length > 0")
    box = page.locator("#step-body .math.display").first
    sizes = box.evaluate("e => [e.scrollWidth, e.clientWidth, e.tabIndex]")
    assert sizes[0] > sizes[1]  # wider than the phone: it scrolls ...
    assert sizes[2] == 0  # ... from the keyboard too
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # and the page itself does not
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    label = box.locator(".katex-html").get_by_text("output gate")
    right = label.evaluate("e => e.getBoundingClientRect().right")
    assert right <= box.evaluate("e => e.getBoundingClientRect().right") + 1  # the end can be scrolled into view
