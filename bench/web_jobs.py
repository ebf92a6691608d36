"""Is the server still responsive while training jobs run? And why jobs are processes, not threads.

    python bench/web_jobs.py              # ~30 s
    python bench/web_jobs.py --requests 20

A real uvicorn server (in this process) answers the flagship quick request,
POST /api/experiments/vanishing-gradients at its defaults, ``--requests`` times
in a row under three loads, measured side by side in one run:

    idle        nothing else running
    2 jobs      two long-range-memory training jobs (defaults) started through
                POST /api/jobs: each in its own worker process (the design)
    2 threads   the same two trainings, with the same progress reports, run in
                threads of the server process (what the design avoids: per-step
                Python holds the GIL)

It prints p50 / p95 latency in ms, each load's p50 as a multiple of idle, and
how many training steps per second the two trainings made together meanwhile.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import httpx  # noqa: E402
import uvicorn  # noqa: E402

from rnnlab.cli import listen  # noqa: E402
from rnnlab.experiments import Cancelled, long_range_memory  # noqa: E402
from rnnlab.runtime.worker import Reporter  # noqa: E402
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


def with_job_processes(client: httpx.Client, jobs, n: int) -> tuple[list[float], float]:
    """Latencies while two jobs train in worker processes, and the jobs' training steps per second."""
    body = {"experiment": long_range_memory.ID, "params": {}}
    ids = [client.post("/api/jobs", json=body).json()["id"] for _ in range(2)]
    deadline = time.monotonic() + 60
    while any(jobs.latest(i) is None for i in ids) and time.monotonic() < deadline:
        time.sleep(0.1)  # both workers started and reported (the first report takes seconds on a busy machine)

    def steps() -> int:
        latest = [jobs.latest(i) for i in ids]  # read from the job spool, as any server process would
        return sum(event.data["result"]["step"][-1] for event in latest if event is not None)

    before, start = steps(), time.perf_counter()
    try:
        times = latencies(client, n)
        return times, (steps() - before) / (time.perf_counter() - start)
    finally:
        for job_id in ids:
            client.delete(f"/api/jobs/{job_id}")


def with_threads(client: httpx.Client, n: int) -> tuple[list[float], float]:
    """Latencies while the same two trainings run in threads of the server process, and their steps per second."""
    stop = threading.Event()
    done = [0, 0]

    def loop(k: int) -> None:
        report = Reporter(long_range_memory, queue.SimpleQueue(), stop, 0.25)  # charts built as a job's would be

        def progress(partial, fraction):
            report(partial, fraction)
            done[k] = partial.step[-1] if partial.step else 0

        try:
            long_range_memory.run(long_range_memory.Params(), progress)
        except Cancelled:
            pass

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    before, start = sum(done), time.perf_counter()
    try:
        times = latencies(client, n)
        return times, (sum(done) - before) / (time.perf_counter() - start)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url=sqlite_url(Path(tmp) / "bench.db"))
        sock = listen("127.0.0.1", 0)
        app = create_app(settings)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with httpx.Client(base_url=url, timeout=60) as client:
            latencies(client, 5)  # warm-up
            rows = [
                ("idle", (latencies(client, args.requests), None)),
                ("2 jobs (processes)", with_job_processes(client, app.state.jobs, args.requests)),
                ("2 threads in server", with_threads(client, args.requests)),
            ]
        server.should_exit = True
        thread.join(timeout=10)
    idle = statistics.median(rows[0][1][0])
    print(f"POST {QUICK} (defaults), {args.requests} requests each, {os.cpu_count()} CPUs")
    print(f"{'load':<22}{'p50 ms':>9}{'p95 ms':>9}{'p50 / idle':>12}{'train steps/s':>15}")
    for name, (times, rate) in rows:
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
        shown = "" if rate is None else f"{rate:.0f}"
        print(f"{name:<22}{p50:>9.1f}{p95:>9.1f}{p50 / idle:>12.1f}{shown:>15}")


if __name__ == "__main__":
    main()
