"""The anonymous learner id: a signed, HttpOnly, SameSite=Lax cookie set on the first visit."""

from fastapi.testclient import TestClient

from rnnlab.web.app import create_app


def cookie_header(response) -> str:
    return response.headers.get("set-cookie", "")


def test_first_visit_gets_a_signed_httponly_samesite_lax_cookie(client):
    header = cookie_header(client.get("/api/progress"))
    assert header.startswith("rnnlab_learner=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header


def test_returning_visit_keeps_the_same_id_and_sets_no_new_cookie(client):
    client.get("/api/progress")
    first = client.cookies["rnnlab_learner"]
    assert cookie_header(client.get("/api/progress")) == ""
    assert client.cookies["rnnlab_learner"] == first


def test_tampered_cookie_gets_a_fresh_id_not_an_error(client):
    client.get("/api/progress")
    learner, signature = client.cookies["rnnlab_learner"].rsplit(".", 1)
    client.cookies.set("rnnlab_learner", "someone-else." + signature)
    response = client.get("/api/progress")
    assert response.status_code == 200
    fresh = response.cookies["rnnlab_learner"]
    assert not fresh.startswith(learner) and not fresh.startswith("someone-else")


def test_garbage_cookies_get_a_fresh_id(client):
    for garbage in (b"no-signature", b"a.b.c.d", b"\xff\xfe.\x00", b'"quoted;"', b""):
        response = client.get("/api/progress", headers=[(b"cookie", b"rnnlab_learner=" + garbage)])
        assert response.status_code == 200 and cookie_header(response).startswith("rnnlab_learner=")


def test_cookie_survives_a_restart_on_the_same_database(settings):
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as first:
        first.get("/api/progress")
        cookie = first.cookies["rnnlab_learner"]
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as second:
        second.cookies.set("rnnlab_learner", cookie)
        assert cookie_header(second.get("/api/progress")) == ""


def test_cookie_signed_with_another_secret_is_not_accepted(settings):
    with TestClient(create_app(settings.model_copy(update={"secret": "one"})),
                    base_url="http://127.0.0.1") as first:
        first.get("/api/progress")
        cookie = first.cookies["rnnlab_learner"]
    with TestClient(create_app(settings.model_copy(update={"secret": "two"})),
                    base_url="http://127.0.0.1") as second:
        second.cookies.set("rnnlab_learner", cookie)
        assert cookie_header(second.get("/api/progress")).startswith("rnnlab_learner=")
