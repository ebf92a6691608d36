"""Joining a class and the instructor's pages, through the real app on a temp SQLite file."""

import csv
import io

import pytest

from rnnlab.lesson import load_lesson
from rnnlab.web.instructor import COOKIE

BROWSER = {"accept": "text/html,application/xhtml+xml"}
CROSS_SITE = {"origin": "http://evil.example", "sec-fetch-site": "cross-site"}
RIGHT_ORDER = ["forward", "loss", "backward", "sum", "update"]


@pytest.fixture
def made(app):
    return app.state.classes.create("RNNs, week 5")


@pytest.fixture
def as_learner(client, made):
    """A function making ``client`` a new learner (fresh cookie) who joins ``made`` and answers."""
    def learner(name: str = "", answers: dict | None = None, step: int | None = None, done=(), new: bool = True):
        if new:
            client.cookies.clear()
            assert client.post(f"/join/{made.code}", data={"name": name}, follow_redirects=False).status_code == 303
        for n in done:
            client.post("/api/progress/complete", json={"step": n}).raise_for_status()
        if step is not None:
            client.post("/api/progress/visit", json={"step": step}).raise_for_status()
        for check, answer in (answers or {}).items():
            client.post(f"/api/checks/{check}", json=answer).raise_for_status()
    return learner


@pytest.fixture
def small_class(as_learner):
    """Three learners: Ada right, an anonymous learner who changed their mind, Bob wrong."""
    as_learner("Ada", {"step1-bag-of-words": {"choice": "b"}, "step2-by-hand": {"value": 0.3634},
                       "step3-training-order": {"order": RIGHT_ORDER}}, step=3, done=(1, 2))
    as_learner("", {"step1-bag-of-words": {"choice": "c"}, "step2-by-hand": {"value": 0.5}}, step=2, done=(1,))
    as_learner(answers={"step1-bag-of-words": {"choice": "a"}}, new=False)  # changed their mind: 2 attempts
    as_learner("=HYPERLINK(\"http://evil.example\")", {"step1-bag-of-words": {"choice": "a"},
                                                      "step2-by-hand": {"value": -0.5},
                                                      "step3-training-order": {"order": list(reversed(RIGHT_ORDER))}},
               step=3)


def key_header(made):
    return {"authorization": f"Bearer {made.instructor_key}"}


# -- joining ---------------------------------------------------------------------------


def test_join_page_names_the_class_and_the_form_joins_then_the_home_page_says_so(client, app, made):
    page = client.get(f"/join/{made.code.lower()}")
    assert page.status_code == 200 and "RNNs, week 5" in page.text and 'method="post"' in page.text
    response = client.post(f"/join/{made.code}", data={"name": "  Ada  "}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    home = client.get("/")
    assert "You are in the class <strong>RNNs, week 5</strong> as “Ada”" in home.text
    assert 'action="/leave"' in home.text
    learner = client.cookies.get("rnnlab_learner").split(".")[0]
    assert app.state.store.class_of(learner) == made.code


def test_leaving_takes_the_learner_out_of_the_class(client, app, made):
    client.post(f"/join/{made.code}", data={"name": ""})
    assert client.post("/leave", follow_redirects=False).status_code == 303
    assert "class-note" not in client.get("/").text
    assert app.state.classes.members(made.code) == []


def test_joining_an_unknown_code_is_a_404_page_with_a_sentence(client):
    for response in (client.get("/join/NOSUCH"), client.post("/join/NOSUCH", data={"name": "x"})):
        assert response.status_code == 404
        assert "There is no class with the code “NOSUCH”" in response.text


@pytest.mark.parametrize("name", ["x" * 81, "two\nlines"])
def test_a_bad_display_name_is_a_422_with_a_sentence_and_joins_nothing(client, app, made, name):
    response = client.post(f"/join/{made.code}", data={"name": name})
    assert response.status_code == 422
    assert "at most 80 characters" in response.text or "control characters" in response.text
    assert app.state.classes.members(made.code) == []


def test_a_cross_site_post_cannot_join_or_sign_in(client, app, made):
    assert client.post(f"/join/{made.code}", data={"name": "x"}, headers=CROSS_SITE).status_code == 403
    assert app.state.classes.members(made.code) == []
    response = client.post(f"/class/{made.code}/login", data={"key": made.instructor_key}, headers=CROSS_SITE,
                           follow_redirects=False)
    assert response.status_code == 403 and COOKIE not in response.headers.get("set-cookie", "")


# -- the instructor's key --------------------------------------------------------------


def detail(response) -> str:
    """The sentence of an error: JSON ``detail`` from the page and ``dashboard.json``, plain text from the CSV."""
    if response.url.path.endswith(".csv"):
        assert response.headers["content-type"].startswith("text/plain")
        return response.text.strip()
    assert response.headers["content-type"] == "application/json"
    return response.json()["detail"]


@pytest.mark.parametrize("path", ["", "/dashboard.json", "/answers.csv"])
def test_without_the_key_it_is_401_and_nothing_of_the_class_shows(client, made, small_class, path):
    client.cookies.clear()
    plain = client.get(f"/class/{made.code}{path}")
    assert plain.status_code == 401 and plain.headers["www-authenticate"] == "Bearer"
    assert "instructor key" in detail(plain)
    page = client.get(f"/class/{made.code}{path}", headers=BROWSER)
    assert page.status_code == 401
    if path:  # the dashboard's data and the export answer a browser with the sentence, not a page
        assert detail(page) == detail(plain)
    else:
        assert f'action="/class/{made.code}/login"' in page.text
    for response in (plain, page):
        assert "RNNs, week 5" not in response.text and "Ada" not in response.text


@pytest.mark.parametrize("path", ["", "/dashboard.json", "/answers.csv"])
def test_a_wrong_key_is_403_with_a_sentence_and_nothing_else(client, made, small_class, path):
    for accept in ({}, BROWSER):
        response = client.get(f"/class/{made.code}{path}", headers={"authorization": "Bearer not-the-key", **accept})
        assert response.status_code == 403
        assert (f"that is not the instructor key of class {made.code}: "
                "check the key `rnnlab class create` printed.") in response.text
        if path or not accept:
            assert detail(response) == (f"that is not the instructor key of class {made.code}: "
                                        "check the key `rnnlab class create` printed.")
    wrong = client.post(f"/class/{made.code}/login", data={"key": "not-the-key"}, follow_redirects=False)
    assert wrong.status_code == 403 and "not the instructor key" in wrong.text and "Ada" not in wrong.text
    assert COOKIE not in wrong.headers.get("set-cookie", "")


def test_an_unknown_class_is_a_404_even_with_a_key(client, made):
    for path in ("", "/dashboard.json", "/answers.csv", "/login"):
        assert client.get(f"/class/NOSUCH{path}", headers=key_header(made)).status_code == 404


@pytest.mark.parametrize("accept", [{}, BROWSER])
def test_an_unknown_class_is_a_404_sentence_as_json_for_the_data_text_for_the_csv_and_a_page_for_the_page(
        client, accept):
    data = client.get("/class/NOSUCH/dashboard.json", headers=accept)
    assert data.status_code == 404 and detail(data) == "There is no class with the code “NOSUCH”."
    export = client.get("/class/NOSUCH/answers.csv", headers=accept)
    assert export.status_code == 404 and detail(export) == "There is no class with the code “NOSUCH”."
    page = client.get("/class/NOSUCH", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no class with the code “NOSUCH”." in page.text


@pytest.mark.parametrize("path", ["", "/login", "/dashboard.json", "/answers.csv"])
def test_a_class_address_with_the_code_in_lowercase_redirects_to_the_code_as_stored(client, made, path):
    response = client.get(f"/class/{made.code.lower()}{path}", params={"token": "t", "x": "a b"},
                          follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == f"/class/{made.code}{path}?token=t&x=a+b"
    joining = client.get(f"/join/{made.code.lower()}", follow_redirects=False)
    assert (joining.status_code, joining.headers["location"]) == (308, f"/join/{made.code}")
    assert client.get(f"/join/{made.code}", follow_redirects=False).status_code == 200
    assert client.get(f"/class/{made.code}/login", follow_redirects=False).status_code == 200


def test_signing_in_at_a_lowercase_address_opens_the_dashboard_there_and_at_the_code_as_stored(client, made):
    lower = f"/class/{made.code.lower()}"
    form = client.get(lower, headers=BROWSER)  # followed to /class/K7P3QX: the sign-in page, at its own address
    assert form.status_code == 401 and str(form.url).endswith(f"/class/{made.code}")
    assert f'action="/class/{made.code}/login"' in form.text
    signed_in = client.post(f"{lower}/login", data={"key": made.instructor_key}, follow_redirects=False)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, f"/class/{made.code}")
    for path in (lower, f"/class/{made.code}"):  # the cookie, scoped to the stored code, reaches the page both ways
        page = client.get(path, headers=BROWSER)
        assert page.status_code == 200 and "RNNs, week 5" in page.text and 'id="dash-count"' in page.text
    assert client.get(f"{lower}/dashboard.json").json()["class"]["code"] == made.code


def test_signing_in_sets_a_strict_scoped_cookie_that_is_not_the_key_and_opens_the_dashboard(client, app, made):
    response = client.post(f"/class/{made.code}/login", data={"key": made.instructor_key}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/class/{made.code}")
    cookie = response.headers["set-cookie"]
    assert f"Path=/class/{made.code}" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    value = response.cookies[COOKIE]
    assert made.instructor_key not in value
    page = client.get(f"/class/{made.code}", headers=BROWSER)
    assert page.status_code == 200 and "RNNs, week 5" in page.text and "/static/js/dashboard.js" in page.text
    other = app.state.classes.create("Another class")  # the cookie is worth nothing for another class
    client.cookies.set(COOKIE, value, path=f"/class/{other.code}")
    assert client.get(f"/class/{other.code}/dashboard.json").status_code == 401
    assert client.post(f"/class/{made.code}/logout", follow_redirects=False).headers["location"].endswith("/login")


# -- what the dashboard shows ----------------------------------------------------------------


def test_the_dashboard_counts_latest_answers_per_option_with_the_misconception_of_each_wrong_one(
        client, made, small_class):
    data = client.get(f"/class/{made.code}/dashboard.json", headers=key_header(made)).json()
    lesson = load_lesson()
    assert (data["class"], data["learners"]) == ({"code": made.code, "name": "RNNs, week 5"}, 3)
    assert {s["step"]: s["here"] for s in data["steps"] if s["here"]} == {2: 1, 3: 2}
    checks = {c["id"]: c for c in data["checks"]}

    bag = checks["step1-bag-of-words"]
    assert (bag["answered"], bag["correct"]) == (3, 1)
    assert {o["id"]: o["count"] for o in bag["options"]} == {"a": 2, "b": 1, "c": 0, "d": 0}
    source = {o.id: o for o in lesson.checks["step1-bag-of-words"].options}
    for option in bag["options"]:
        assert option["html"] == source[option["id"]].html and option["correct"] == source[option["id"]].correct
        assert option["feedback_html"] == source[option["id"]].feedback_html
    assert "The order is gone before the classifier sees anything" in bag["options"][0]["feedback_html"]

    number = checks["step2-by-hand"]["number"]
    assert (number["right"]["count"], number["low"]["count"], number["high"]["count"]) == (1, 1, 1)
    assert (number["expected"], number["tolerance"], number["high"]["median"]) == ("0.3634", "0.005", "0.5")
    assert number["low"]["feedback_html"] == lesson.checks["step2-by-hand"].numeric.low_html

    order = checks["step3-training-order"]
    assert [i["id"] for i in order["items"]] == RIGHT_ORDER
    assert [i["right"] for i in order["items"]] == [1, 1, 2, 1, 1]  # the reversed order has "backward" in place
    assert [(o["positions"], o["count"], o["correct"]) for o in order["orders"]] == [
        ([1, 2, 3, 4, 5], 1, True), ([5, 4, 3, 2, 1], 1, False)]
    assert checks["step4-decay"]["answered"] == 0

    members = data["members"]
    assert [(m["number"], m["name"], m["anonymous"]) for m in members] == [
        (1, "Ada", False), (2, "anonymous 2", True), (3, '=HYPERLINK("http://evil.example")', False)]
    assert [(m["step"], m["steps_done"], m["answered"], m["correct"]) for m in members] == [
        (3, 2, 3, 3), (2, 1, 2, 0), (3, 0, 3, 0)]
    hidden_state = [next(s for s in m["scores"] if s["outcome"] == "hidden-state") for m in members]
    assert [s["correct"] for s in hidden_state] == [2, 0, 0]


def test_the_csv_has_a_row_per_learner_and_check_and_defuses_formulas(client, made, small_class):
    response = client.get(f"/class/{made.code}/answers.csv", headers=key_header(made))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert f'filename="rnnlab-{made.code}-answers.csv"' in response.headers["content-disposition"]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark: what tells Excel the encoding
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    n_checks = len(load_lesson().checks)
    assert len(rows) == 3 * n_checks
    assert list(rows[0]) == ["learner_no", "learner", "step", "check", "outcome", "answer", "correct", "attempts",
                             "answered_at"]
    by = {(r["learner_no"], r["check"]): r for r in rows}
    ada = by["1", "step1-bag-of-words"]
    assert (ada["learner"], ada["answer"], ada["correct"], ada["attempts"]) == (
        "Ada", "They are exactly the same, whatever the model’s weights.", "yes", "1")
    assert ada["answered_at"].endswith("Z") and "T" in ada["answered_at"]
    changed = by["2", "step1-bag-of-words"]
    assert (changed["learner"], changed["correct"], changed["attempts"]) == ("anonymous 2", "no", "2")
    assert by["1", "step3-training-order"]["answer"].startswith("Run the sequence forward")
    unanswered = by["1", "step4-decay"]
    assert (unanswered["answer"], unanswered["correct"], unanswered["attempts"], unanswered["answered_at"]) == (
        "", "", "0", "")
    attacker = by["3", "step2-by-hand"]
    assert attacker["learner"] == "'=HYPERLINK(\"http://evil.example\")"  # text, not a formula
    assert attacker["answer"] == "-0.5"  # a plain number stays a number


def test_typing_a_code_on_join_leads_to_its_page_and_nowhere_else(client, made):
    assert client.get("/join").status_code == 200
    typed = client.get("/join", params={"code": f" {made.code.lower()} "}, follow_redirects=False)
    assert (typed.status_code, typed.headers["location"]) == (303, f"/join/{made.code}")
    odd = client.get("/join", params={"code": "//evil.example/../x"}, follow_redirects=False)
    assert odd.headers["location"] == "/join/%2F%2FEVIL.EXAMPLE%2F..%2FX"


def test_a_non_ascii_name_round_trips_through_the_csv_read_as_utf8_with_a_bom(client, made, as_learner, tmp_path):
    as_learner("Zoë 李", {"step1-bag-of-words": {"choice": "b"}})
    response = client.get(f"/class/{made.code}/answers.csv", headers=key_header(made))
    assert response.content.startswith("\ufeff".encode("utf-8")) and response.content.count(b"\xef\xbb\xbf") == 1
    saved = tmp_path / "answers.csv"
    saved.write_bytes(response.content)
    with saved.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[0] == "learner_no"  # the mark is not read as part of the first column's name
    assert {r["learner"] for r in rows} == {"Zoë 李"}
    assert next(r for r in rows if r["check"] == "step1-bag-of-words")["correct"] == "yes"
