"""The real app on a free 127.0.0.1 port with a temp SQLite file, and
Debian's chromium driven by Playwright (its own browser download cannot work here).

Each test's ``page`` gets a fresh browser context, so a fresh cookie: a new learner.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from rnnlab.lesson import load_lesson
from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
AXE = "/static/vendor/axe.min.js"  # loaded from the app itself: the page's CSP refuses inline script
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app ``live_server`` serves (tests reach its state, e.g. ``live_app.state.classes``)."""
    db = tmp_path_factory.mktemp("browser") / "progress.db"
    return create_app(Settings(db_url=sqlite_url(db)))


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served by uvicorn in a thread; yields its base URL."""
    app = live_app
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def lesson():
    return load_lesson()


@pytest.fixture
def open_experiment(page, lesson):
    """A function opening the step that embeds an experiment and waiting for its first chart;
    it returns (the widget, the chart's SVG markup as first drawn)."""
    def open_(experiment: str):
        step = next(s for s in lesson.steps if experiment in s.experiments)
        page.goto(f"/steps/{step.number}")
        widget = page.locator(f'.experiment[data-experiment="{experiment}"]')
        widget.evaluate("e => { const d = e.closest('details'); if (d) d.open = true; }")  # in a go-deeper section
        chart = widget.locator(".experiment-chart svg").first
        expect(chart).to_be_visible(timeout=30_000)
        return widget, chart.inner_html()
    return open_


@pytest.fixture
def wait_for_redraw(page):
    """A function waiting until an experiment's chart differs from the markup it had before."""
    def wait(experiment: str, before: str) -> None:
        page.wait_for_function(
            "([sel, before]) => { const svg = document.querySelector(sel); return svg && svg.innerHTML !== before; }",
            arg=[f'.experiment[data-experiment="{experiment}"] .experiment-chart svg', before],
            timeout=30_000,
        )
    return wait


class ConsoleErrors(list):
    """Console errors, uncaught exceptions and Content-Security-Policy violations of a test's page.

    Any of them fails the test unless it contains a text the test ``allow``-ed (a test that
    provokes a 4xx, say, allows the browser's "status of 4xx" line).
    """

    def __init__(self):
        super().__init__()
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        self.allowed.append(text)

    def unexpected(self) -> list[str]:
        return [error for error in self if not any(text in error for text in self.allowed)]


# Runs in every document and frame before its own scripts (Playwright injects it; the page's CSP does not apply).
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ` +
  `${e.sourceFile || e.documentURI}:${e.lineNumber}:${e.columnNumber}`));"""


@pytest.fixture(autouse=True)
def console_errors(request):
    """For every test with a ``page``: what the page logs as an error, throws, or has blocked by its CSP.
    ``pytest_runtest_call`` below fails the test on any it did not allow."""
    errors = ConsoleErrors()
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    return errors


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    errors, page = item.funcargs.get("console_errors"), item.funcargs.get("page")
    if page is not None and errors is not None:
        if not page.is_closed():  # let queued violation reports and console messages arrive
            try:
                page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
            except PlaywrightError as exc:  # the test ended on a navigation still under way: let it finish
                if "Execution context was destroyed" not in exc.message:
                    raise
                page.wait_for_load_state()
                page.wait_for_timeout(50)
        if errors.unexpected():
            pytest.fail("the page logged errors: " + "\n".join(errors.unexpected()), pytrace=False)
    return result


@pytest.fixture
def axe_violations(page):
    """A function giving axe-core's serious and critical violations on the page as it is now
    (``skip_charts``: leave the charts' SVG out, for speed when another run covers them)."""
    def run(skip_charts: bool = False) -> list[str]:
        page.add_script_tag(url=AXE)
        context = {"exclude": [[".experiment-chart"]]} if skip_charts else {"include": [["html"]]}
        result = page.evaluate("async (context) => await axe.run(context, {resultTypes: ['violations']})", context)
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
    return run


@pytest.fixture
def screenshot(page):
    """A function saving a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return save
