"""Latency of every quick experiment through the HTTP API, at its default params.

    OPENBLAS_NUM_THREADS=1 python bench/latency.py [-n 50]

Builds the app in-process (``create_app`` on a temporary database) and calls
``POST /api/experiments/{id}`` with ``{}`` through Starlette's TestClient: the
full request path — validation, ``run``, ``chart``, Vega-Lite validation and
JSON — without a network. Each experiment is called once first (first-use
training of the lesson's small models happens there, as ``warm_up`` would at
server start), then n times, with the server's result cache off, so every
request runs the experiment. Prints wall-clock p50 / p95 / max in ms, the
median CPU time of the process per request (what the request costs, even when
other programs compete for the cores and stretch the wall clock) and the
response size; then, with the cache on, the p50 of a request it answers
("hit"), and what turning the payload into JSON costs when FastAPI is handed a
dict (``jsonable_encoder`` + ``JSONResponse``, "dict→JSON") — what the cache
saves on every hit by keeping the JSON bytes instead of the dict.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from fastapi.encoders import jsonable_encoder  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from rnnlab.experiments import registry, runner  # noqa: E402
from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description="p50/p95 of POST /api/experiments/{id} at defaults")
    ap.add_argument("-n", type=int, default=50, help="timed requests per experiment")
    args = ap.parse_args()
    quick = [m.ID for m in registry.MODULES if m.KIND == "quick"]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=sqlite_url(Path(tmp) / "progress.db"), secret="bench")
        app = create_app(settings.model_copy(update={"result_cache_entries": 0}))
        cached = TestClient(create_app(settings), base_url="http://127.0.0.1")
        with TestClient(app, base_url="http://127.0.0.1") as client, cached:
            rows = []
            for exp in quick:
                t0 = time.perf_counter()
                first = client.post(f"/api/experiments/{exp}", json={})
                first_ms = (time.perf_counter() - t0) * 1000
                if first.status_code != 200:
                    print(f"{exp}: HTTP {first.status_code} {first.text[:200]}")
                    return 1
                times, cpu = [], []
                for _ in range(args.n):
                    t0, c0 = time.perf_counter(), time.process_time()
                    r = client.post(f"/api/experiments/{exp}", json={})
                    times.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                    assert r.status_code == 200, r.text[:200]
                cached.post(f"/api/experiments/{exp}", json={}).raise_for_status()
                hits, to_json = [], []
                payload = runner.evaluate(registry.get(exp), registry.get(exp).Params())
                for _ in range(args.n):
                    t0 = time.perf_counter()
                    cached.post(f"/api/experiments/{exp}", json={})
                    hits.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    JSONResponse(jsonable_encoder(payload))
                    to_json.append((time.perf_counter() - t0) * 1000)
                rows.append((exp, first_ms, statistics.median(times), percentile(times, 0.95), max(times),
                             statistics.median(cpu), len(r.content), statistics.median(hits),
                             statistics.median(to_json)))
    print(f"POST /api/experiments/{{id}} at defaults, n = {args.n} each (after one first call)")
    print(f"{'experiment':<22} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p50':>8} {'bytes':>8}"
          f" {'hit p50':>8} {'dict→JSON':>10}")
    for exp, first_ms, p50, p95, mx, cpu_ms, size, hit, to_json in rows:
        print(f"{exp:<22} {first_ms:>9.1f} {p50:>8.1f} {p95:>8.1f} {mx:>8.1f} {cpu_ms:>8.1f} {size:>8}"
              f" {hit:>8.1f} {to_json:>10.1f}")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
