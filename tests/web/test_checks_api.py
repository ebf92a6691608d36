"""Checks through the app: each learner's own option order on the page, predict
checks graded by the live engine, and missed checks offered again on the summary."""

import json
import re

import pytest

from rnnlab.lesson import load_lesson


@pytest.fixture(scope="module")
def lesson():
    return load_lesson()


def embedded_checks(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="checks-data">(.*?)</script>', html, re.S).group(1))


def option_orders(client, step: int) -> dict:
    return {i: [o["id"] for o in s["check"].get("options") or s["check"].get("items") or []]
            for i, s in embedded_checks(client.get(f"/steps/{step}").text).items()}


def test_a_learner_keeps_their_option_order_across_reloads_and_another_learner_gets_another(app, client):
    from fastapi.testclient import TestClient

    mine = {n: option_orders(client, n) for n in (1, 2, 3, 4, 5)}
    assert mine == {n: option_orders(client, n) for n in (1, 2, 3, 4, 5)}
    with TestClient(app, base_url="http://127.0.0.1") as other:
        theirs = {n: option_orders(other, n) for n in (1, 2, 3, 4, 5)}
    differ = [c for n in mine for c in mine[n] if len(mine[n][c]) > 1 and mine[n][c] != theirs[n][c]]
    assert len(differ) >= 3, differ


def test_a_predict_check_is_graded_by_the_live_model_and_stored(client):
    wrong = client.post("/api/checks/step4-predict-fade", json={"value": 0.3})
    assert wrong.status_code == 200
    body = wrong.json()
    assert body["correct"] is False and 1e-22 < body["measured"]["value"] < 1e-16
    assert body["measured"]["params"]["spectral_radius"] == 0.5
    assert "you said 0.3" in body["feedback"][0]["html"] and body["measured"]["text"] in body["feedback"][0]["html"]
    right = client.post("/api/checks/step4-predict-fade", json={"value": body["measured"]["value"] * 3}).json()
    assert right["correct"] is True
    answers = client.get("/api/progress").json()["answers"]
    assert answers["step4-predict-fade"]["answer"] == {"value": body["measured"]["value"] * 3}


def test_a_choice_prediction_is_graded_by_option_id(client):
    right = client.post("/api/checks/step1-predict-bag-of-words", json={"choice": "dog"}).json()
    wrong = client.post("/api/checks/step1-predict-bag-of-words", json={"choice": "cat"}).json()
    assert right["correct"] and not wrong["correct"] and right["measured"]["value"] == "dog"


@pytest.mark.parametrize("check_id, answer, message", [
    ("step4-predict-fade", {"value": "a lot"}, "value: must be a number"),
    ("step4-predict-fade", {"choice": "dog"}, 'a predict answer is {"value": ...}'),
    ("step4-predict-fade", {"value": 1e-19, "params": {"spectral_radius": 3}}, "params: is not a known field"),
    ("step6-predict-move", {"choice": "enormous"}, "unknown option"),
])
def test_a_bad_prediction_is_a_422_with_a_sentence_and_nothing_is_stored(client, rows, check_id, answer, message):
    response = client.post(f"/api/checks/{check_id}", json=answer)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert rows()["answers"] == 0


def test_a_stored_prediction_comes_back_graded_with_the_measurement(client):
    client.post("/api/checks/step5-predict-surgery", json={"value": 0.9})
    previous = embedded_checks(client.get("/steps/5").text)["step5-predict-surgery"]["previous"]
    assert previous["answer"] == {"value": 0.9} and previous["grade"]["correct"] is False
    assert previous["grade"]["measured"]["value"] == pytest.approx(0.25, abs=0.1)


def test_missed_checks_are_offered_again_on_the_summary_until_answered_right(client, lesson):
    assert 'id="review"' not in client.get("/summary").text
    check = lesson.checks["step3-shared-weights"]
    wrong = next(o.id for o in check.options if not o.correct)
    right = next(o.id for o in check.options if o.correct)
    client.post(f"/api/checks/{check.id}", json={"choice": wrong})
    client.post("/api/checks/step2-by-hand", json={"value": 0.3634})  # right: not for review
    page = client.get("/summary").text
    assert 'id="review"' in page and list(embedded_checks(page)) == [check.id]
    state = embedded_checks(page)[check.id]
    assert state["previous"] is None  # a fresh try, not the old answer with its feedback
    assert 'data-review="step3-shared-weights"' in page and 'href="/steps/3"' in page
    home = client.get("/").text
    assert '<a href="/summary#review">Review the 1 check you missed</a>' in home
    client.post(f"/api/checks/{check.id}", json={"choice": right})
    assert embedded_checks(client.get("/summary").text) == {}
    assert "Review the" not in client.get("/").text


def test_a_malformed_prediction_is_refused_before_any_experiment_runs(client, monkeypatch):
    from rnnlab.runtime import predict

    def no_run(*args, **kwargs):
        raise AssertionError("the experiment ran for a malformed answer")
    monkeypatch.setattr(predict, "measure", no_run)
    assert client.post("/api/checks/step4-predict-fade", json={"value": None}).status_code == 422
    assert client.post("/api/checks/step6-predict-move", json={"choice": "nope"}).status_code == 422


def test_grading_a_prediction_runs_its_experiment_through_the_result_cache_the_widget_uses(lab, lesson):
    results, check = lab.app.state.results, lesson.checks["step4-predict-fade"]
    lab.post("/api/checks/step4-predict-fade", json={"value": 0.3})
    assert (results.misses, len(results)) == (1, 1)
    widget = lab.post(f"/api/experiments/{check.prediction.experiment}", json=check.prediction.params)
    assert widget.status_code == 200 and (results.hits, results.misses) == (1, 1)
