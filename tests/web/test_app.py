"""The app factory: pages and static files mounted, per-route body limits, HTML errors off the API."""

from fastapi import APIRouter, Body

from rnnlab.web.settings import Settings

UPLOAD_LIMIT = 2 * 1024 * 1024  # a route's own, larger limit


def test_static_files_are_served(client):
    assert client.get("/static/favicon.svg").status_code == 200


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_a_route_may_declare_a_larger_body_limit(app, client):
    upload = APIRouter()

    @upload.post("/api/test-upload", max_body_size=UPLOAD_LIMIT)
    def take_text(body: dict = Body(...)) -> dict:
        return {"length": len(body["text"])}

    app.include_router(upload)
    assert client.post("/api/test-upload", json={"text": "x" * 1_000_000}).json() == {"length": 1_000_000}
    refused = client.post("/api/test-upload", json={"text": "x" * (UPLOAD_LIMIT + 1)})
    assert refused.status_code == 413
    assert refused.json() == {"detail": "request body is too large (this endpoint accepts up to 2.0 MB)"}


def test_every_setting_is_described():
    undocumented = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undocumented == []


def test_nothing_points_the_browser_at_a_cdn(client):
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").json()["paths"]["/api/jobs"]["post"]


def test_wrong_method_on_an_api_path_is_json_405(client):
    response = client.get("/api/jobs")
    assert response.status_code == 405 and response.json() == {"detail": "method not allowed"}
