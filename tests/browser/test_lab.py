"""The lab page and step 7's decoder, driven like a learner: every control once, a short training, a cancel."""

import re

import pytest
from playwright.sync_api import expect

from rnnlab import nn

pytestmark = pytest.mark.browser

TEXT = "It was the best of times, it was the worst of times; it was the age of wisdom.\n" * 30


def _nudge(page, name, key="ArrowRight"):
    page.locator(f'#lab-controls input[name="{name}"]').focus()
    page.keyboard.press(key)


def _train_until(page, pattern, timeout=60_000):
    page.click("#lab-train")
    expect(page.locator("#lab-status")).to_have_text(pattern, timeout=timeout)


def test_lab_trains_on_pasted_text_samples_tints_units_and_round_trips_the_model(page, console_errors, tmp_path, screenshot,
                                                                                 axe_violations):
    page.goto("/lab")
    expect(page.locator("#lab-controls .control").first).to_be_visible(timeout=20_000)
    # the text: own text, refused when binary, then pasted
    page.check('input[name="lab-source"][value="own"]')
    page.set_input_files("#lab-file", files=[{"name": "image.png", "mimeType": "image/png", "buffer": b"\x89PNG\x00\x01" * 300}])
    expect(page.locator("#lab-text-status")).to_have_text(re.compile("plain text"))
    page.fill("#lab-paste", TEXT)
    page.click("#lab-use-paste")
    expect(page.locator("#lab-text-status")).to_have_text(re.compile(f"Using the pasted text: {len(TEXT):,} characters"))
    # the model's controls, each once
    page.locator("#lab-controls").get_by_role("button", name="gru").click()
    for name in ("learning_rate", "temperature", "seed"):
        _nudge(page, name)
    for name in ("hidden_size", "seq_len", "steps"):
        _nudge(page, name, "Home")  # the smallest model, 20 steps
    _train_until(page, re.compile(r"^Done: validation loss"))
    expect(page.locator("#lab-chart svg")).to_be_visible()
    expect(page.locator("#lab-baselines tr")).to_have_count(6)
    assert page.locator("#lab-sample").text_content().strip()
    # one unit over the passage
    page.click("#lab-unit-next")
    expect(page.locator("#lab-unit-value")).to_have_text("1")
    page.click("#lab-unit-prev")
    page.click("#lab-unit-prev")
    expect(page.locator("#lab-unit-value")).to_have_text("15")  # wraps round to the last of H = 16
    assert page.locator("#lab-units span").count() > 100
    page.locator("#lab-unit").fill("3")
    expect(page.locator("#lab-unit-value")).to_have_text("3")
    busiest = page.locator("#lab-busiest button").first
    unit = busiest.text_content().split()[1]
    busiest.click()
    expect(page.locator("#lab-unit-value")).to_have_text(unit)
    # sample again, download, upload the file back
    before = page.locator("#lab-sample").text_content()
    page.click("#lab-resample")
    expect(page.locator("#lab-sample")).not_to_have_text(before)
    with page.expect_download() as download:
        page.click("#lab-download")
    path = tmp_path / "model.npz"
    download.value.save_as(path)
    model = nn.load(path)
    assert isinstance(model, nn.CharLM) and model.cell == "gru" and model.hidden_size == 16
    assert nn.read_npz(path)[1]["extra"]["vocab"] == "".join(sorted(set(TEXT)))
    page.set_input_files("#lab-npz", str(path))
    expect(page.locator("#lab-model-status")).to_have_text(re.compile("Loaded GRU with 16 hidden units"))
    _train_until(page, re.compile(r"^Done"))  # continues from the file's weights
    page.click("#lab-forget")
    expect(page.locator("#lab-model-status")).to_have_text(re.compile("fresh random weights"))
    screenshot("lab-trained")
    assert axe_violations() == []
    console_errors.allow("status of 415")  # the refused .png was expected


def test_lab_training_can_be_cancelled(page, console_errors):
    page.goto("/lab")
    expect(page.locator("#lab-controls .control").first).to_be_visible(timeout=20_000)
    page.check('input[name="lab-source"][value="own"]')
    page.check('input[name="lab-source"][value="shakespeare"]')
    expect(page.locator("#lab-own")).to_be_hidden()
    _nudge(page, "steps", "End")
    page.click("#lab-train")
    expect(page.locator("#lab-status")).to_have_text(re.compile(r"Training… step \d+"), timeout=30_000)
    page.click("#lab-cancel")
    expect(page.locator("#lab-status")).to_have_text(re.compile("^Cancelled"), timeout=15_000)
    expect(page.locator("#lab-train")).to_be_enabled()
    assert console_errors == []


@pytest.mark.parametrize("width", [1280, 375])
def test_lab_page_fits_the_screen(page, width, screenshot, axe_violations):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/lab")
    expect(page.locator("#lab-controls .control").first).to_be_visible(timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(f"lab-{width}")
    assert axe_violations() == []


def test_step_7_decodes_the_learners_date_with_the_trained_models(page, console_errors, screenshot):
    page.goto("/steps/7")
    widget = page.locator('.experiment[data-experiment="seq2seq"]')
    widget.get_by_role("button", name="attention", exact=True).click()
    for name in ("hidden_size", "learning_rate", "seed"):
        widget.locator(f'input[name="{name}"]').focus()
        page.keyboard.press("ArrowRight")
    widget.locator('input[name="steps"]').focus()
    page.keyboard.press("Home")
    for _ in range(150):
        page.keyboard.press("ArrowRight")  # 200 steps
    widget.get_by_role("button", name="Train").click()
    panel = widget.locator(".decode-panel")
    expect(panel.locator("svg").first).to_be_visible(timeout=60_000)
    panel.get_by_role("textbox").fill("the 3rd of July 1999")
    panel.get_by_role("button", name="Decode").click()
    expect(panel.locator(".decode-model strong")).to_have_text("1999-07-03", timeout=10_000)
    expect(panel.locator(".decode-steps li")).to_have_count(11)
    expect(widget.locator(".experiment-chart svg").first).to_contain_text("Which part of the date survives")
    screenshot("step7-decoded")
    assert console_errors == []
