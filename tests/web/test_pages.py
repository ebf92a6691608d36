"""The HTML pages, through the app (the browser tests drive the same pages in chromium)."""

import json
import re
from html import escape

import pytest

from rnnlab.lesson import load_lesson


@pytest.fixture(scope="module")
def lesson():
    return load_lesson()


def embedded_checks(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="checks-data">(.*?)</script>', html, re.S).group(1))


def test_home_shows_the_lesson_overview_from_the_brief(client, lesson):
    page = client.get("/").text
    for text in (lesson.title, lesson.subtitle, lesson.difficulty, "18–22 minutes", *lesson.prerequisites):
        assert escape(text) in page
    for outcome in lesson.outcomes:
        assert escape(outcome.title) in page and escape(outcome.text) in page
    for concept in lesson.concepts:
        assert f'href="/glossary#{concept.slug}">{escape(concept.term)}</a>' in page
    assert re.search(r'<a class="button" href="/steps/1" id="start">Start the lesson</a>', page)


def test_home_offers_to_resume_where_the_learner_left_off(client):
    client.post("/api/progress/visit", json={"step": 3})  # what the step page's script sends
    page = client.get("/").text
    assert '<a class="button" href="/steps/3" id="start">Resume at step 3</a>' in page


def test_step_page_shows_its_position_and_its_neighbours(client, lesson):
    page = client.get("/steps/3").text
    assert f"Step 3 / {len(lesson.steps)}" in page
    assert 'href="/steps/2" rel="prev"' in page and 'href="/steps/4" rel="next"' in page
    assert 'aria-current="step"' in page
    last = client.get(f"/steps/{lesson.steps[-1].number}").text
    assert 'href="/summary" rel="next"' in last
    assert 'rel="prev"' not in client.get("/steps/1").text


def test_getting_a_step_page_writes_nothing_but_shows_the_step_as_visited(client, rows):
    page = client.get("/steps/2").text
    assert rows() == {"learners": 0, "steps": 0, "answers": 0}
    assert client.get("/api/progress").json()["last_step"] is None
    assert 'class="current visited"' in page and 'aria-label="Step 2: ' in page


@pytest.mark.parametrize("number", ["99", "0", "abc", "٣", "-1"])
def test_unknown_step_is_a_friendly_html_404_that_records_nothing(client, rows, number):
    response = client.get(f"/steps/{number}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no step" in response.text and 'href="/steps/1"' in response.text
    assert rows()["steps"] == 0


def test_step_page_embeds_its_checks_without_their_answers(client, lesson):
    step = lesson.step(8)
    checks = embedded_checks(client.get("/steps/8").text)
    assert sorted(checks) == sorted(step.checks)
    learner = client.cookies["rnnlab_learner"].rsplit(".", 1)[0]
    for check_id, state in checks.items():
        assert state["check"] == lesson.checks[check_id].public(learner) and state["previous"] is None
        blob = json.dumps(state)
        for option in lesson.checks[check_id].options:
            assert option.feedback_html not in blob


def test_a_stored_answer_comes_back_graded_on_the_step_page(client, lesson):
    check = next(c for c in lesson.checks.values() if c.kind == "single")
    wrong = next(o.id for o in check.options if not o.correct)
    client.post(f"/api/checks/{check.id}", json={"choice": wrong})
    previous = embedded_checks(client.get(f"/steps/{check.step}").text)[check.id]["previous"]
    assert previous["answer"] == {"choice": wrong}
    assert previous["grade"]["correct"] is False
    assert any(f["id"] == wrong and f["chosen"] for f in previous["grade"]["feedback"])


def test_glossary_lists_every_term_with_an_anchor_key_concepts_first(client, lesson):
    page = client.get("/glossary").text
    anchors = re.findall(r'<div class="glossary-entry" id="([^"]+)">', page)
    assert sorted(anchors) == sorted(t.slug for t in lesson.glossary)
    assert anchors[: len(lesson.concepts)] == [c.slug for c in lesson.concepts]
    assert page.count('<span class="badge">Key concept</span>') == len(lesson.concepts)


def test_every_glossary_link_on_a_step_page_lands_on_an_entry(client, lesson):
    anchors = set(re.findall(r'<div class="glossary-entry" id="([^"]+)">', client.get("/glossary").text))
    for step in lesson.steps:
        links = re.findall(r'href="/glossary#([^"]+)"', client.get(f"/steps/{step.number}").text)
        assert set(links) <= anchors, f"step {step.number}: {set(links) - anchors}"


def test_summary_scores_each_outcome_and_links_what_to_revisit(client, lesson):
    check = next(c for c in lesson.checks.values() if c.kind == "single")
    right = next(o.id for o in check.options if o.correct)
    client.post(f"/api/checks/{check.id}", json={"choice": right})
    page = client.get("/summary").text
    assert f"<strong>1 of {len(lesson.checks)}</strong>" in page
    for outcome in lesson.outcomes:
        assert escape(outcome.title) in page
    assert re.search(r'href="/steps/\d"', page)
    assert 'id="reset-dialog"' in page


def test_lab_page_holds_the_char_lm_lab_and_its_script(lab):
    page = lab.get("/lab").text
    assert '<div id="lab" class="lab" data-experiment="char-lm">' in page
    assert '<script type="module" src="/static/js/lab.js"></script>' in page


def test_a_step_page_rendered_for_one_learner_shows_another_only_their_own_order_and_progress(app, lesson):
    from fastapi.testclient import TestClient
    from itsdangerous import Signer

    from rnnlab.web.learner import SALT

    signer = Signer(app.state.store.cookie_secret(), salt=SALT)
    step = lesson.step(8)
    public = {name: {c: lesson.checks[c].public(name) for c in step.checks} for name in ("ann", "bob")}
    assert public["ann"] != public["bob"]  # these two ids shuffle step 8's options differently
    for name, elsewhere in (("ann", 1), ("bob", 2)):  # one app: bob's page comes from the shell ann's made
        cookies = {"rnnlab_learner": signer.sign(name).decode()}
        with TestClient(app, base_url="http://127.0.0.1", cookies=cookies) as client:
            client.post("/api/progress/visit", json={"step": elsewhere}, headers={"Origin": "http://127.0.0.1"})
            page = client.get("/steps/8").text
        assert {c: state["check"] for c, state in embedded_checks(page).items()} == public[name]
        visited = re.findall(r'aria-label="Step (\d+): [^"]*\(visited\)"', page)
        assert sorted(map(int, visited)) == [elsewhere, 8]


def test_the_warm_up_renders_every_step_page_before_the_first_learner_asks(settings, lesson):
    import time

    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    app = create_app(settings.model_copy(update={"warm_up": True, "experiments": {}}))
    with TestClient(app, base_url="http://127.0.0.1"):
        deadline = time.monotonic() + 30
        while len(app.state.step_pages) < len(lesson.steps) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(app.state.step_pages) == len(lesson.steps)
