"""Each step's "About n min" is computed from its core path, and the core paths fit the brief.

The model (rnnlab/lesson/timing.py): visible words / 200 a minute + ½ minute a
visible check + ¾ minute a visible experiment + the time to answer of every
visible training job. Here it is recomputed independently from the served
pages: the step body's HTML with every <details> ("go deeper") section cut out.
"""

import html as htmllib
import re

import pytest

from rnnlab.lesson import load_lesson
from rnnlab.lesson.references import JOB_SECONDS

BLOCK = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|td|th|tr|thead|tbody|table|div|figure|figcaption|blockquote|pre)\b[^>]*>")


@pytest.fixture(scope="module")
def lesson():
    return load_lesson()


def _body(page: str) -> str:
    start = page.index('<article class="prose" id="step-body">')
    return page[start : page.index("</article>", start)]


def _visible(body: str) -> tuple[int, list[str], list[str]]:
    """(words, checks, experiments) of the body outside <details>, counted as timing.py says."""
    while "<details" in body:  # innermost first: a go-deeper section may hold the engine's code, itself a <details>
        inner = re.sub(r"<details[^>]*>(?:(?!<details).)*?</details>", " ", body, flags=re.S)
        assert inner != body, "a <details> is not closed"
        body = inner
    body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)
    equations = re.findall(r'<div class="math display"[^>]*>(.*?)</div>', body, re.S)
    body = re.sub(r'<div class="math display"[^>]*>.*?</div>', " ", body, flags=re.S)
    body = re.sub(r'<span class="math inline">.*?</span>', " M ", body, flags=re.S)
    checks = re.findall(r'data-check="([^"]+)"', body)
    experiments = re.findall(r'data-experiment="([^"]+)"', body)
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", BLOCK.sub(" ", body)))
    words = sum(1 for t in text.split() if re.search(r"[^\W_]", t))
    words += sum(8 * (1 + htmllib.unescape(eq).count("\\\\")) for eq in equations)
    return words, checks, experiments


def _model(words: int, checks: list[str], experiments: list[str]) -> float:
    return words / 200 + 0.5 * len(checks) + 0.75 * len(experiments) + sum(JOB_SECONDS.get(e, 0) for e in experiments) / 60


@pytest.mark.parametrize("number", range(1, 9))
def test_step_minutes_are_the_model_of_its_visible_core_path(client, lesson, number):
    page = client.get(f"/steps/{number}").text
    words, checks, experiments = _visible(_body(page))
    step = lesson.step(number)
    assert (words, tuple(checks), tuple(experiments)) == (step.core.words, step.core.checks, step.core.experiments)
    assert _model(words, checks, experiments) == pytest.approx(step.core.minutes)
    assert abs(step.minutes - _model(words, checks, experiments)) <= 0.25  # the label is the nearest half minute
    assert f"About {step.minutes_label} min" in page


def test_core_paths_add_up_to_the_briefs_18_to_22_minutes(client, lesson):
    labels = []
    for step in lesson.steps:
        page = client.get(f"/steps/{step.number}").text
        label = re.search(r"About (\d*½?) min", page)[1]
        labels.append(int(label.rstrip("½") or 0) + 0.5 * label.endswith("½"))
    unrounded = sum(_model(*_visible(_body(client.get(f"/steps/{s.number}").text))) for s in lesson.steps)
    assert sum(labels) == lesson.minutes
    assert 18 <= sum(labels) <= 22
    assert 18 <= unrounded <= 22


def test_each_core_path_has_one_experiment_and_a_check_and_the_rest_is_folded(lesson):
    for step in lesson.steps:
        assert len(step.core.experiments) == 1, step.number
        assert len(step.core.checks) >= 1, step.number
        assert step.deeper, step.number  # everything else one click deeper
        assert 1.5 <= step.minutes <= 3.5, (step.number, step.minutes)


def test_a_training_job_on_the_core_path_answers_within_15_seconds(lesson):
    for step in lesson.steps:
        for ident in step.core.experiments:
            assert JOB_SECONDS.get(ident, 0) <= 15, ident


def test_the_home_page_lists_each_steps_computed_minutes(client, lesson):
    page = client.get("/").text
    for step in lesson.steps:
        assert f"{step.minutes_label} min" in page


def test_every_training_experiment_the_lesson_embeds_has_a_time_to_answer():
    from rnnlab.experiments.registry import EXPERIMENTS
    from rnnlab.lesson import experiment_steps

    jobs = {ident for ident in experiment_steps() if EXPERIMENTS[ident].KIND == "job"}
    assert jobs == set(JOB_SECONDS)
