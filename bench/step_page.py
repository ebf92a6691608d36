"""What a step page costs the server: ``GET /steps/n`` for every step, in-process.

    OPENBLAS_NUM_THREADS=1 python bench/step_page.py [-n 100] [--profile 4]

Builds the app on a temporary database and calls each step page n times as one
learner with some progress (every step visited, every check answered) through
Starlette's TestClient, so the whole request path runs without a network:
middleware, the visit's database write, the progress read, the check states
and the template. Prints the wall-clock p50 / p95 and the median CPU time of
the process per request (what a page costs even when other programs stretch the
wall clock), and the page's size. ``--profile N`` also prints cProfile's top
functions for step N, by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from fastapi.testclient import TestClient  # noqa: E402

from rnnlab.lesson import load_lesson  # noqa: E402
from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def first_answer(check) -> dict:
    ids = [o.id for o in check.options]
    return {"single": {"choice": ids[0] if ids else ""}, "multiple": {"choices": ids[:1]},
            "numeric": {"value": check.numeric.value if check.numeric else 0.0}, "ordering": {"order": ids},
            "matching": {"pairs": {o.id: o.target for o in check.options}}}[check.kind]


def main() -> int:
    ap = argparse.ArgumentParser(description="p50/p95 and CPU of GET /steps/n")
    ap.add_argument("-n", type=int, default=100, help="timed requests per step")
    ap.add_argument("--profile", type=int, default=None, metavar="N", help="also profile step N")
    args = ap.parse_args()
    lesson = load_lesson()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(db_url=sqlite_url(Path(tmp) / "progress.db"), secret="bench"))
        with TestClient(app, base_url="http://127.0.0.1:8000", headers={"Origin": "http://127.0.0.1:8000"}) as client:
            for check in lesson.checks.values():  # a learner with an answer to every check
                client.post(f"/api/checks/{check.id}", json=first_answer(check)).raise_for_status()
            rows = []
            for step in lesson.steps:
                client.get(f"/steps/{step.number}").raise_for_status()
                times, cpu = [], []
                for _ in range(args.n):
                    t0, c0 = time.perf_counter(), time.process_time()
                    response = client.get(f"/steps/{step.number}")
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                    assert response.status_code == 200, response.text[:200]
                rows.append((step.number, statistics.median(times), percentile(times, 0.95),
                             statistics.median(cpu), len(response.content)))
            if args.profile is not None:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.n):
                    client.get(f"/steps/{args.profile}")
                profiler.disable()
    print(f"GET /steps/n, n = {args.n} each, one learner who has answered every check")
    print(f"{'step':>4} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'bytes':>8}")
    for number, p50, p95, cpu_ms, size in rows:
        print(f"{number:>4} {p50:>8.1f} {p95:>8.1f} {cpu_ms:>8.1f} {size:>8}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.profile is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
