"""In chromium: the CSP is enforced (and a violation would fail a test), the step page records
its visit itself, and a page from another local origin can neither write nor frame the lesson."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# What a page on another port of the learner's machine (same site, other origin: the
# learner cookie is even sent) tries against the lesson at {app}.
HOSTILE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title></head><body>
<h1>Another site</h1>
<iframe id="framed" src="{app}/steps/3" title="the lesson, framed"></iframe>
<form id="form" method="post" action="{app}/api/checks/step1-bag-of-words" enctype="text/plain">
  <input type="hidden" name='{{"choice": "b", "x": "' value='"}}'>
</form>
<script>
  window.sent = fetch("{app}/api/progress/visit", {{
    method: "POST", mode: "no-cors", credentials: "include",
    headers: {{"Content-Type": "text/plain"}}, body: JSON.stringify({{step: 5}}),
  }}).then(() => "answered", () => "failed");
</script>
</body></html>"""


@pytest.fixture
def hostile_origin(live_server):
    """A tiny server on another 127.0.0.1 port serving ``HOSTILE_PAGE``; yields its URL."""
    page = HOSTILE_PAGE.format(app=live_server).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_an_inline_script_is_blocked_and_reported(page, console_errors):
    page.goto("/")
    page.evaluate("""() => { const s = document.createElement("script");
                            s.textContent = "window.inlineRan = true"; document.body.append(s); }""")
    assert page.evaluate("() => window.inlineRan") is None
    page.wait_for_timeout(100)
    assert any(e.startswith("console.error: CSP violation: script-src") for e in console_errors), console_errors
    console_errors.allow("CSP violation: script-src")  # provoked: any other test would fail on it
    console_errors.allow("Executing inline script violates the following Content Security Policy directive")


def test_a_step_page_records_the_visit_with_its_own_post(page):
    with page.expect_response(lambda r: r.url.endswith("/api/progress/visit")) as visit:
        page.goto("/steps/3")
    assert visit.value.status == 200 and visit.value.request.all_headers()["sec-fetch-site"] == "same-origin"
    page.goto("/")
    expect(page.locator("#start")).to_have_text("Resume at step 3")


def test_another_local_origin_can_neither_write_nor_frame_the_lesson(page, live_server, hostile_origin,
                                                                       console_errors):
    with page.expect_response(lambda r: r.url.endswith("/api/progress/visit")):
        page.goto("/steps/1")  # the learner is on step 1, with their cookie
    answers = []
    page.on("response", lambda r: answers.append((r.request.method, r.url, r.status))
            if r.url.startswith(live_server) else None)

    page.goto(hostile_origin)  # waits for the frame's load too
    assert page.evaluate("() => window.sent") in ("answered", "failed")  # the no-cors fetch has come back
    with page.expect_response(lambda r: "/api/checks/" in r.url):
        # submitted after evaluate returns: a submit inside it may navigate before evaluate's answer comes back
        page.evaluate("() => { setTimeout(() => document.getElementById('form').submit(), 0); }")
    page.wait_for_url(f"{live_server}/api/checks/step1-bag-of-words")  # the 403's page, shown once it commits

    assert ("POST", f"{live_server}/api/progress/visit", 403) in answers, answers
    assert ("POST", f"{live_server}/api/checks/step1-bag-of-words", 403) in answers, answers
    framed = [status for method, url, status in answers if url == f"{live_server}/steps/3"]
    assert framed == [200]  # served (a GET writes nothing) but the browser refuses to show it:
    assert any("frame-ancestors 'none'" in e for e in console_errors), console_errors
    progress = page.request.get(f"{live_server}/api/progress").json()  # with the learner's cookie
    assert progress["last_step"] == 1 and progress["visited"] == [1] and progress["answers"] == {}
    # the refusals, and the browser asking the app for /favicon.ico when it shows the 403's JSON
    for expected in ("frame-ancestors 'none'", "status of 403", "status of 404"):
        console_errors.allow(expected)
