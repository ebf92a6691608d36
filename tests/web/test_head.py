"""HEAD is answered wherever GET is, with GET's status and headers and no body (``rnnlab.web.head``): what
`curl -I`, an uptime check or a proxy sends."""

import time

import httpx
import pytest
from server_process import serving
from sse_client import events, start

PATHS = ["/", "/steps/1", "/glossary", "/lab", "/summary", "/steps/1/notebook.ipynb", "/static/js/keys.js",
         "/api/experiments", "/api/progress", "/steps/99", "/api/nothing-here"]


@pytest.mark.parametrize("path", PATHS)
def test_head_answers_as_get_would_without_the_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("content-type", "content-length", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name
    assert int(head.headers["content-length"]) == len(got.content) > 0


def test_a_method_a_page_does_not_take_is_405_saying_which_it_does(client):
    response = client.put("/steps/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"].startswith("text/html")
    assert "method not allowed" in response.text


def test_head_of_a_running_jobs_event_stream_answers_at_its_headers_and_leaves_the_job_alone(client):
    job_id = start(client, "fake-counter", steps=1000, delay_s=0.05)  # 50 s of counting
    began = time.monotonic()
    response = client.head(f"/api/jobs/{job_id}/events")
    assert time.monotonic() - began < 25  # a bound against waiting for the job's end, not a measure of speed
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/event-stream")
    assert client.delete(f"/api/jobs/{job_id}").json()["state"] == "stopping"  # still training: cancel it
    assert events(client, job_id)[-1][0] == "cancelled"


def test_head_through_a_real_server(tmp_path):
    """uvicorn itself, as `curl -I` meets it: the answer ends at its headers, and the connection serves on."""
    with serving(tmp_path / "progress.db") as (server, url):
        with httpx.Client(base_url=url, timeout=10) as http:
            head, got = http.head("/steps/2"), http.get("/steps/2")
            assert head.status_code == got.status_code == 200
            assert head.content == b"" and int(head.headers["content-length"]) == len(got.content)
            assert http.head("/steps/2").status_code == 200  # the same connection, still in step
        server.terminate()
        log = server.communicate(timeout=20)[0]
    assert "Traceback" not in log and "Exception" not in log, log
