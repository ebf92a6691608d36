"""Progress and checks through the API, on the real lesson and a temp SQLite file."""

import pytest

CHECK = "step1-bag-of-words"  # single choice; "b" is right


def test_new_learner_has_empty_progress(client):
    assert client.get("/api/progress").json() == {"visited": [], "completed": [], "answers": {}, "last_step": None}


def test_visit_and_complete_are_kept_with_last_step(client):
    client.post("/api/progress/visit", json={"step": 2})
    client.post("/api/progress/visit", json={"step": 3})
    response = client.post("/api/progress/complete", json={"step": 2})
    assert response.status_code == 200
    progress = client.get("/api/progress").json()
    assert progress["visited"] == [2, 3] and progress["completed"] == [2] and progress["last_step"] == 3


def test_answer_is_graded_stored_and_the_latest_counts(client):
    wrong = client.post(f"/api/checks/{CHECK}", json={"choice": "a"})
    assert wrong.status_code == 200 and wrong.json()["correct"] is False
    right = client.post(f"/api/checks/{CHECK}", json={"choice": "b"}).json()
    assert right["correct"] is True and right["score"] == 1.0 and right["feedback"] and right["explanation_html"]
    answers = client.get("/api/progress").json()["answers"]
    assert answers[CHECK]["answer"] == {"choice": "b"} and answers[CHECK]["correct"] is True


def test_every_answer_is_kept_in_the_history(client, app, rows):
    for choice in ("a", "c", "b"):
        client.post(f"/api/checks/{CHECK}", json={"choice": choice})
    assert rows()["answers"] == 3
    learner = client.cookies["rnnlab_learner"].rsplit(".", 1)[0]
    assert [r.answer["choice"] for r in app.state.store.answer_history(learner, CHECK)] == ["a", "c", "b"]


def test_reset_needs_confirm_true_and_then_clears_progress(client):
    client.post("/api/progress/visit", json={"step": 1})
    client.post(f"/api/checks/{CHECK}", json={"choice": "b"})
    refused = client.post("/api/progress/reset", json={"confirm": False})
    assert refused.status_code == 422 and "confirm" in refused.json()["detail"]
    assert client.post("/api/progress/reset", json={}).json()["detail"] == "confirm: is required"
    assert client.get("/api/progress").json()["visited"] == [1]
    cleared = client.post("/api/progress/reset", json={"confirm": True})
    assert cleared.status_code == 200 and cleared.json()["visited"] == [] and cleared.json()["answers"] == {}


def test_learners_with_different_cookies_are_kept_apart(app, client):
    from fastapi.testclient import TestClient

    client.post("/api/progress/visit", json={"step": 5})
    other = TestClient(app, base_url="http://127.0.0.1")
    assert other.get("/api/progress").json()["visited"] == []


def test_unknown_step_is_404(client):
    response = client.post("/api/progress/visit", json={"step": 9})
    assert response.status_code == 404 and "no step 9" in response.json()["detail"]


def test_unknown_check_is_404(client):
    response = client.post("/api/checks/no-such-check", json={"choice": "a"})
    assert response.status_code == 404 and "no-such-check" in response.json()["detail"]


@pytest.mark.parametrize(
    "body, field",
    [({"step": "two"}, "step"), ({"step": 2.5}, "step"), ({}, "step"), ({"step": True}, "step")],
)
def test_wrong_step_type_is_422_naming_the_field(client, body, field):
    response = client.post("/api/progress/visit", json=body)
    assert response.status_code == 422 and response.json()["detail"].startswith(f"{field}: ")


def test_malformed_answer_is_422(client):
    response = client.post(f"/api/checks/{CHECK}", json={"choices": ["a"]})
    assert response.status_code == 422 and response.json()["detail"]


def test_rejected_requests_write_nothing(client, rows):
    client.get("/api/progress")  # the learner has a cookie: rows would appear if anything leaked through
    json_header = {"content-type": "application/json"}
    rejected = [
        client.post("/api/progress/visit", json={"step": 99}),
        client.post("/api/progress/visit", json={"step": "x"}),
        client.post("/api/progress/visit", content=b"{not json", headers=json_header),
        client.post("/api/progress/complete", json={"step": 1, "pad": "x" * 20_000}),
        client.post("/api/progress/reset", json={"confirm": False}),
        client.post(f"/api/checks/{CHECK}", json={"choice": "z", "extra": 1}),
        client.post(f"/api/checks/{CHECK}", json=["b"]),
        client.post(f"/api/checks/{CHECK}", content=b'{"choice": "b"', headers=json_header),
        client.post(f"/api/checks/{CHECK}", json={"choice": "b", "pad": "x" * 20_000}),
        client.post("/api/checks/nope", json={"choice": "b"}),
        client.post("/api/experiments/fake-echo", json={"rho": 9}),
        client.post("/api/jobs", json={"experiment": "fake-counter", "params": {"steps": -1}}),
    ]
    assert [r.status_code for r in rejected] == [404, 422, 422, 413, 422, 422, 422, 422, 413, 404, 422, 422]
    assert rows() == {"learners": 0, "steps": 0, "answers": 0}


def test_chunked_body_over_the_limit_is_413(client, rows):
    def chunks():
        for _ in range(40):
            yield b" " * 1024
        yield b'{"choice": "b"}'

    response = client.post(f"/api/checks/{CHECK}", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "16 KB" in response.json()["detail"]
    assert rows()["answers"] == 0
