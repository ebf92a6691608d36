"""Is the server still responsive while training jobs run? And why jobs are processes, not threads.

    python bench/web_jobs.py              # ~30 s
    python bench/web_jobs.py --requests 20

A real uvicorn server (in this process) answers the flagship quick request,
POST /api/experiments/vanishing-gradients at its defaults, ``--requests`` times
in a row under three loads, measured side by side in one run:

    idle        nothing else running
    2 jobs      two training jobs started through POST /api/jobs: each in its own
                worker process (the design)
    2 threads   the same two training loops run in threads of the server process
                (what the design avoids: per-step Python holds the GIL)

It prints p50 / p95 latency in ms and each load's p50 as a multiple of idle.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))  # worker processes import _busy_job from here too

import httpx  # noqa: E402
import uvicorn  # noqa: E402

import _busy_job  # noqa: E402
from rnnlab.cli import listen  # noqa: E402
from rnnlab.experiments import Cancelled, registry  # noqa: E402
from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402

QUICK = "/api/experiments/vanishing-gradients"


def latencies(client: httpx.Client, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.post(QUICK, json={})
        times.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200, response.text
    return times


def with_job_processes(client: httpx.Client, n: int) -> list[float]:
    ids = [client.post("/api/jobs", json={"experiment": _busy_job.ID, "params": {}}).json()["id"] for _ in range(2)]
    time.sleep(2.0)  # let both workers start and get busy
    try:
        return latencies(client, n)
    finally:
        for job_id in ids:
            client.delete(f"/api/jobs/{job_id}")


def with_threads(client: httpx.Client, n: int) -> list[float]:
    stop = threading.Event()

    def progress(partial, fraction):
        if stop.is_set():
            raise Cancelled

    def loop():
        try:
            _busy_job.run(_busy_job.Params(), progress)
        except Cancelled:
            pass

    threads = [threading.Thread(target=loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    try:
        return latencies(client, n)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    experiments = {**registry.EXPERIMENTS, _busy_job.ID: _busy_job}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=sqlite_url(Path(tmp) / "bench.db"), experiments=experiments)
        sock = listen("127.0.0.1", 0)
        server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, timeout=60) as client:
            latencies(client, 5)  # warm-up
            rows = [
                ("idle", latencies(client, args.requests)),
                ("2 jobs (processes)", with_job_processes(client, args.requests)),
                ("2 threads in server", with_threads(client, args.requests)),
            ]
        server.should_exit = True
        thread.join(timeout=10)
    idle = statistics.median(rows[0][1])
    print(f"POST {QUICK} (defaults), {args.requests} requests each, {os.cpu_count()} CPUs")
    print(f"{'load':<22}{'p50 ms':>9}{'p95 ms':>9}{'p50 / idle':>12}")
    for name, times in rows:
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
        print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{p50 / idle:>12.1f}")


if __name__ == "__main__":
    main()
