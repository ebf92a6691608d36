"""What a step page costs the server: ``GET /steps/n`` for every step, in-process.

    OPENBLAS_NUM_THREADS=1 python bench/step_page.py [-n 100] [--parts 4]

Builds the app on a temporary database and calls each step page n times as one
learner with some progress (every step visited, every check answered) by
calling the ASGI app directly from an event loop, as uvicorn would, so the
whole server side runs — middleware, routing, dependencies (and their trips to
the thread pool), the progress read, the check states and the page (from the
app's per-process cache of each step's learner-independent shell, with this
learner's progress bar and checks joined in) — and no client or network. Prints the wall-clock
p50 / p95 and the mean CPU time of the process per request (what a page costs
even when other programs stretch the wall clock), and the page's size. ``--parts N`` also times, for step N, each
part called directly (the visit, moving and staying, that ``POST
/api/progress/visit`` makes; the progress read; the check states; the whole
template as it was rendered before the page cache; the page from its cached
shell) and prints cProfile's top functions for the parts that touch no
database (check states and the cached page), by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import itertools
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from itsdangerous import Signer  # noqa: E402
from jinja2.utils import htmlsafe_json_dumps  # noqa: E402
from markupsafe import Markup  # noqa: E402

from rnnlab.lesson import check_states, load_lesson  # noqa: E402
from rnnlab.runtime import predict  # noqa: E402
from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.learner import SALT  # noqa: E402
from rnnlab.web.templating import templates  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def first_answer(check) -> dict:
    ids = [o.id for o in check.options]
    return {"single": {"choice": ids[0] if ids else ""}, "multiple": {"choices": ids[:1]},
            "numeric": {"value": check.numeric.value if check.numeric else 0.0}, "ordering": {"order": ids},
            "matching": {"pairs": {o.id: o.target for o in check.options}},
            "predict": {"choice": ids[0]} if ids else {"value": 0.5}}[check.kind]


def cpu_ms(call, n: int) -> float:
    times = []
    for _ in range(n):
        c0 = time.process_time()
        call()
        times.append((time.process_time() - c0) * 1000)
    return statistics.median(times)


def measure_parts(app, lesson, number: int, n: int) -> tuple[dict[str, float], str]:
    """Median CPU ms of each part of ``GET /steps/{number}``, and cProfile of the parts without a database."""
    store, step, learner = app.state.store, lesson.step(number), "bench-learner"
    for check_id in lesson.checks:
        store.record_answer(learner, check_id, first_answer(lesson.checks[check_id]), False)
    progress = store.progress(learner)
    checks = check_states(lesson, step.checks, learner, progress.answers, predict.measure)
    template, nav = templates.get_template("step.html"), templates.get_template("_progress.html")

    def whole_page() -> str:  # every part rendered for this request, as before the page cache
        return template.render(lesson=lesson, step=step, prev=None, next=None,
                               progress_nav=Markup(nav.render(lesson=lesson, step=step, progress=progress)),
                               checks_json=htmlsafe_json_dumps(checks, sort_keys=True))

    steps = itertools.cycle([number, 1 if number != 1 else 2])
    times = {
        "store.visit, moving (a write)": cpu_ms(lambda: store.visit(learner, next(steps)), n),
        "store.visit, staying (a read)": cpu_ms(lambda: store.visit(learner, number), n),
        "store.progress (a read)": cpu_ms(lambda: store.progress(learner), n),
        "check_states": cpu_ms(lambda: check_states(lesson, step.checks, learner, progress.answers, predict.measure), n),
        "whole template render": cpu_ms(whole_page, n),
        "page from its cached shell": cpu_ms(lambda: app.state.step_pages.render(lesson, step, progress, checks), n),
    }
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        check_states(lesson, step.checks, learner, progress.answers, predict.measure)
        app.state.step_pages.render(lesson, step, progress, checks)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return times, out.getvalue()


class Driver:
    """Calls the ASGI app as uvicorn would, keeping the learner's cookie."""

    def __init__(self, app):
        self.app, self.cookie = app, b""

    async def get(self, path: str) -> tuple[int, bytes]:
        headers = [(b"host", b"127.0.0.1:8000")] + ([(b"cookie", self.cookie)] if self.cookie else [])
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await self.app(scope, receive, send)
        for name, value in sent[0].get("headers", []):
            if name == b"set-cookie":
                self.cookie = value.split(b";")[0]
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def measure_pages(app, lesson, n: int) -> list[tuple]:
    driver = Driver(app)
    await driver.get("/steps/1")
    learner = Signer("bench", salt=SALT).unsign(driver.cookie.split(b"=", 1)[1]).decode()
    for check_id, check in lesson.checks.items():  # a learner with an answer to every check
        app.state.store.record_answer(learner, check_id, first_answer(check), False)
    rows = []
    for step in lesson.steps:
        await driver.get(f"/steps/{step.number}")
        times = []
        c0 = time.process_time()
        for _ in range(n):
            t0 = time.perf_counter()
            status, body = await driver.get(f"/steps/{step.number}")
            times.append((time.perf_counter() - t0) * 1000)
            assert status == 200, body[:200]
        cpu_ms = (time.process_time() - c0) * 1000 / n
        rows.append((step.number, statistics.median(times), percentile(times, 0.95), cpu_ms, len(body)))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description="p50/p95 and CPU of GET /steps/n")
    ap.add_argument("-n", type=int, default=100, help="timed requests per step")
    ap.add_argument("--parts", type=int, default=None, metavar="N", help="also time and profile step N's parts")
    args = ap.parse_args()
    lesson = load_lesson()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(db_url=sqlite_url(Path(tmp) / "progress.db"), secret="bench"))
        rows = asyncio.run(measure_pages(app, lesson, args.n))
        parts = measure_parts(app, lesson, args.parts, args.n) if args.parts is not None else None
        app.state.store.close()
    print(f"GET /steps/n, n = {args.n} each, one learner who has answered every check")
    print(f"{'step':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'bytes':>8}")
    for number, p50, p95, cpu_ms, size in rows:
        print(f"{number:>4} {p50:>8.1f} {p95:>8.1f} {cpu_ms:>8.1f} {size:>8}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if parts is not None:
        times, profile = parts
        print(f"step {args.parts}'s handler in parts, called directly (median CPU ms of {args.n}):")
        for name, ms in times.items():
            print(f"  {name:<28} {ms:>7.2f}")
        print(profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
