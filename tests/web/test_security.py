"""``rnnlab.web.security``: the Host allowlist, the token, cross-site writes refused, and the headers.

Requests are made as a browser on the learner's machine would make them (TestClient
at ``http://127.0.0.1``), then with the headers another site's page would send.
"""

import pytest
from fastapi.testclient import TestClient
from sse_client import start

from rnnlab.web.app import create_app
from rnnlab.web.security import CSP, host_name

LOCAL = "http://127.0.0.1"  # where the ``client`` fixture's requests go
CROSS_SITE = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
PATHS = ["/", "/api/progress", "/static/js/api.js"]  # a page, the API, a static file


@pytest.fixture
def make_client(settings):
    """A function giving a TestClient (at ``base_url``) on the app built with ``settings`` and ``changes``."""
    clients = []

    def make(base_url: str = LOCAL, **changes) -> TestClient:
        app = create_app(type(settings)(**{**dict(settings), **changes}))  # validated, as `rnnlab serve` builds it
        client = TestClient(app, base_url=base_url, follow_redirects=False)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


# -- Host -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_a_foreign_host_is_refused_with_what_to_do(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "rnnlab serve --allow-host evil.example" in response.text


def test_a_foreign_host_gets_a_page_in_a_browser_and_json_from_the_api(client):
    page = client.get("/steps/1", headers={"Host": "evil.example:8000", "Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and "<h1>Unknown address</h1>" in page.text
    api = client.get("/api/progress", headers={"Host": "evil.example:8000", "Accept": "text/html"})
    assert "evil.example" in api.json()["detail"]


@pytest.mark.parametrize("host", ["localhost", "LocalHost:8000", "127.0.0.1", "127.0.0.1:1234", "[::1]", "[::1]:8000"])
@pytest.mark.parametrize("path", PATHS)
def test_loopback_names_are_served_on_any_port(client, host, path):
    assert client.get(path, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["", "a:b", "[::1", "[::1]x", "127.0.0.1:80:80"])
def test_a_malformed_or_missing_host_is_refused(client, host):
    response = client.get("/api/progress", headers={"Host": host})
    assert response.status_code == 400 and "Host" in response.json()["detail"]


def test_a_foreign_host_writes_nothing(client, rows):
    response = client.post("/api/progress/visit", json={"step": 2}, headers={"Host": "evil.example"})
    assert response.status_code == 400 and rows()["steps"] == 0


@pytest.mark.parametrize("path", PATHS)
def test_an_allowed_extra_host_is_served_and_others_still_are_not(make_client, path):
    client = make_client(allow_hosts=("lab.example", "[fd00::1]"))
    assert client.get(path, headers={"Host": "lab.example:8000"}).status_code == 200
    assert client.get(path, headers={"Host": "[fd00::1]:8000"}).status_code == 200
    assert client.get(path, headers={"Host": "other.example"}).status_code == 400


def test_the_address_serve_binds_is_one_of_its_names(make_client):
    client = make_client(host="10.1.2.3", token="t0ken")
    auth = {"Authorization": "token t0ken"}
    assert client.get("/api/progress", headers={"Host": "10.1.2.3:8000", **auth}).status_code == 200
    assert client.get("/api/progress", headers={"Host": "10.9.9.9:8000", **auth}).status_code == 400


def test_binding_every_interface_answers_any_address_but_no_foreign_name(make_client):
    client = make_client(host="0.0.0.0", token="t0ken")
    auth = {"Authorization": "token t0ken"}
    assert client.get("/api/progress", headers={"Host": "192.168.1.20:8000", **auth}).status_code == 200
    assert client.get("/api/progress", headers={"Host": "[fe80::1]:8000", **auth}).status_code == 200
    assert client.get("/api/progress", headers={"Host": "rebound.example", **auth}).status_code == 400


@pytest.mark.parametrize("name", ["http://lab.example", "lab.example:8000", "", "a b"])
def test_allow_host_takes_a_plain_name(settings, name):
    with pytest.raises(ValueError, match="not a host name"):
        settings.model_validate({**settings.model_dump(exclude={"experiments"}), "allow_hosts": (name,)})


def test_host_name_drops_the_port_and_brackets():
    assert [host_name(h) for h in ("Example.COM:80", "[::1]:8000", "[::1]", "localhost", "x:")] == [
        "example.com", "::1", "::1", "localhost", None,
    ]


# -- cross-site writes ------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    CROSS_SITE,
    {"Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:9999"},  # another port of this machine
    {"Origin": "http://127.0.0.1:9999"},
    {"Origin": "null"},  # a sandboxed frame or a file:// page
])
def test_a_cross_site_post_is_refused_and_writes_nothing(client, rows, headers):
    responses = [
        client.post("/api/progress/visit", json={"step": 2}, headers=headers),
        client.post("/api/checks/step1-bag-of-words", json={"choice": "b"}, headers=headers),
        client.post("/api/progress/reset", json={"confirm": True}, headers=headers),
    ]
    for response in responses:
        assert response.status_code == 403
        assert f"rnnlab accepts changes only from its own pages at {LOCAL}." in response.json()["detail"]
    assert rows() == {"learners": 0, "steps": 0, "answers": 0}


def test_a_cross_site_simple_form_post_is_refused(client, rows):
    response = client.post("/api/progress/visit", content=b"step=2", headers={
        **CROSS_SITE, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 403 and rows()["steps"] == 0


def test_a_cross_site_delete_is_refused_before_it_reaches_the_job(client):
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)
    refused = client.delete(f"/api/jobs/{job_id}", headers=CROSS_SITE)
    assert refused.status_code == 403 and "another site" in refused.json()["detail"]
    assert client.delete(f"/api/jobs/{job_id}").status_code == 200


@pytest.mark.parametrize("headers", [
    {},  # curl, Python, the tests: no browser, no such headers
    {"Origin": LOCAL, "Sec-Fetch-Site": "same-origin"},
    {"Origin": LOCAL},
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed by the user
])
def test_a_same_origin_or_header_less_post_is_allowed(client, headers):
    response = client.post("/api/progress/visit", json={"step": 2}, headers=headers)
    assert response.status_code == 200 and response.json()["last_step"] == 2


def test_a_framed_or_linked_step_page_writes_nothing(client, rows):
    response = client.get("/steps/3", headers={**CROSS_SITE, "Sec-Fetch-Dest": "iframe"})
    assert response.status_code == 200 and rows() == {"learners": 0, "steps": 0, "answers": 0}
    assert client.get("/api/progress").json()["last_step"] is None


# -- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/api/progress", 200), ("/static/js/api.js", 200), ("/steps/99", 404), ("/nope", 404),
    ("/api/nope", 404),
])
def test_every_response_carries_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_refusals_carry_the_security_headers_too(client):
    for response in (client.get("/", headers={"Host": "evil.example"}),
                     client.post("/api/progress/visit", json={"step": 1}, headers=CROSS_SITE)):
        assert response.headers["content-security-policy"] == CSP and response.headers["x-frame-options"] == "DENY"


def test_the_csp_allows_no_inline_or_evaluated_script_and_no_framing():
    directives = dict(d.split(" ", 1) for d in CSP.split("; "))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-eval" not in CSP


# -- the token ------------------------------------------------------------------------------------


def test_listening_beyond_loopback_makes_a_token_when_none_is_given(settings):
    first, second = (settings.model_validate({"db_url": settings.db_url, "host": "0.0.0.0"}) for _ in range(2))
    assert first.token and second.token and first.token != second.token and len(first.token) >= 24
    assert first.token_required and not settings.token_required and settings.token is None


@pytest.mark.parametrize("path", PATHS)
def test_without_the_token_a_remote_bind_answers_401_saying_where_the_link_is(make_client, path):
    client = make_client(host="0.0.0.0", token="s3cret")
    response = client.get(path)
    assert response.status_code == 401 and "?token=" in response.text and "rnnlab serve" in response.text


def test_a_browser_without_the_token_gets_a_page_saying_so(make_client):
    response = make_client(host="0.0.0.0", token="s3cret").get("/", headers={"Accept": "text/html"})
    assert response.status_code == 401 and "<h1>Token needed</h1>" in response.text


def test_the_query_token_sets_a_strict_httponly_cookie_and_redirects_without_it(make_client, rows):
    client = make_client(host="0.0.0.0", token="s3cret")
    response = client.get("/steps/2?token=s3cret&x=1", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"] == "/steps/2?x=1"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rnnlab_token=s3cret;") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/steps/2?x=1").status_code == 200  # the cookie lets it in from now on
    assert client.post("/api/progress/visit", json={"step": 2}).status_code == 200 and rows()["steps"] == 1


def test_the_token_in_an_authorization_header_is_let_in(make_client):
    client = make_client(host="0.0.0.0", token="s3cret")
    assert client.get("/api/progress", headers={"Authorization": "token s3cret"}).status_code == 200


def test_a_script_giving_the_query_token_is_answered_in_place_not_redirected(make_client):
    client = make_client(host="0.0.0.0", token="s3cret")
    response = client.get("/api/progress?token=s3cret", headers={"Accept": "*/*"})
    assert response.status_code == 200 and "rnnlab_token" not in response.headers.get("set-cookie", "")


def test_a_bearer_header_is_not_the_server_token_but_leaves_the_query_token_to_count(make_client):
    client = make_client(host="0.0.0.0", token="s3cret")
    bearer = {"Authorization": "Bearer s3cret"}  # an instructor's class key goes here, never the server's token
    assert client.get("/api/progress", headers=bearer).status_code == 401
    assert client.get("/api/progress?token=s3cret", headers=bearer).status_code == 200


def test_a_wrong_token_is_refused_wherever_it_comes(make_client, rows):
    client = make_client(host="0.0.0.0", token="s3cret")
    assert client.get("/?token=guess").status_code == 403
    assert client.get("/api/progress", headers={"Authorization": "token guess"}).status_code == 403
    client.cookies.set("rnnlab_token", "guess")
    response = client.post("/api/progress/visit", json={"step": 2})
    assert response.status_code == 403 and "not this server's token" in response.json()["detail"]
    assert rows()["steps"] == 0


def test_loopback_needs_no_token_unless_one_is_given(make_client):
    assert make_client().get("/api/progress").status_code == 200
    guarded = make_client(token="s3cret")
    assert guarded.get("/api/progress").status_code == 401
    assert guarded.get("/api/progress", headers={"Authorization": "token s3cret"}).status_code == 200


def test_a_remote_bind_that_lost_its_token_lets_nobody_in(settings):
    app = create_app(settings.model_copy(update={"host": "0.0.0.0"}))  # model_copy skips the validator that makes one
    with TestClient(app, base_url=LOCAL) as client:
        response = client.get("/api/progress", headers={"Authorization": "token anything"})
    assert response.status_code == 403 and "--token" in response.json()["detail"]
