"""How long the Redis queue's moves take, beside the embedded queue's.

    python bench/redis_queue.py            # ~1 min
    python bench/redis_queue.py --runs 5

Starts its own redis-server on a free loopback port (no persistence, a temp
folder) and one ``rnnlab worker``; two apps (replicas A and B) on that Redis and
one SQLite file. Each run starts a job on A and follows it through B. It prints,
in ms (p50 / max over the runs), beside the same moves on the embedded queue
(one app, worker processes it starts itself):

    first event     POST on A → the first event through B (``queued`` on Redis)
    first progress  POST on A → the first ``progress`` through B
                    (long-range-memory, seq_len 10, hidden 8: the model's first report)
    cancel          DELETE through B while it trains → ``cancelled`` through B
    killed horse    SIGKILL to the job's own process (the work horse) → ``error`` through B (Redis only)
    killed worker   SIGKILL to the ``rnnlab worker`` mid-job → ``error`` through B
                    (Redis only; a new worker is started for each run)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from fastapi.testclient import TestClient  # noqa: E402

from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402

JOB = {"experiment": "long-range-memory", "params": {"seq_len": 10, "hidden_size": 8, "train_steps": 2000}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def follow(client, job_id, t0, seen: list, until=("result", "error", "cancelled")) -> None:
    """Append (ms since t0, kind) for each event of the job, to its end."""
    with client.stream("GET", f"/api/jobs/{job_id}/events") as response:
        for line in response.iter_lines():
            if line.startswith("event: "):
                seen.append((1000 * (time.monotonic() - t0), line.removeprefix("event: ")))
                if seen[-1][1] in until:
                    return


def wait_for(seen: list, kind: str, timeout_s: float = 60) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for ms, k in list(seen):
            if k == kind:
                return ms
        time.sleep(0.005)
    raise RuntimeError(f"no {kind} within {timeout_s} s: {seen}")


def one_run(a, b, kill=None) -> dict[str, float]:
    """Start on a, follow and cancel through b; with ``kill``, kill the worker instead of cancelling."""
    t0 = time.monotonic()
    job_id = a.post("/api/jobs", json=JOB).json()["id"]
    seen: list = []
    reader = threading.Thread(target=follow, args=(b, job_id, t0, seen))
    reader.start()
    first_progress = wait_for(seen, "progress")
    first_event = seen[0][0]
    asked = 1000 * (time.monotonic() - t0)
    if kill is None:
        b.delete(f"/api/jobs/{job_id}")
        end = wait_for(seen, "cancelled")
    else:
        kill()
        end = wait_for(seen, "error")
    reader.join()
    return {"first event": first_event, "first progress": first_progress, "end": end - asked}


def start_worker(url: str, log: Path) -> subprocess.Popen:
    out = log.open("w")
    process = subprocess.Popen([sys.executable, "-m", "rnnlab.cli", "worker", "--queue", url],
                               stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    while "training jobs from" not in log.read_text():
        if process.poll() is not None:
            raise RuntimeError(log.read_text())
        time.sleep(0.05)
    return process


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    root = Path(tempfile.mkdtemp(prefix="rnnlab-bench-redis-"))
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(root)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    results: dict[str, dict[str, list[float]]] = {"embedded": {}, "redis": {}}
    try:
        time.sleep(0.3)
        base = dict(db_url=sqlite_url(root / "p.db"), job_grace_s=1.0, progress_interval_s=0.1, learner_jobs=5)
        with TestClient(create_app(Settings(**base)), base_url="http://127.0.0.1") as local:
            for _ in range(runs):
                for name, ms in one_run(local, local).items():
                    results["embedded"].setdefault(name, []).append(ms)
        replicas = [TestClient(create_app(Settings(**base, queue_url=url)), base_url="http://127.0.0.1")
                    for _ in range(2)]
        for client in replicas:
            client.__enter__()
        a, b = replicas
        a.get("/api/progress")
        b.cookies.set("rnnlab_learner", a.cookies["rnnlab_learner"])
        worker = start_worker(url, root / "worker.log")
        for _ in range(runs):
            for name, ms in one_run(a, b).items():
                results["redis"].setdefault(name, []).append(ms)
        import redis

        connection = redis.Redis.from_url(url)
        for _ in range(max(2, runs // 2)):
            def kill_horse():
                job_id = connection.keys("rnnlab:job:*:alive")[0].decode().split(":")[2]
                os.kill(int(connection.hget(f"rnnlab:job:{job_id}", "pid")), signal.SIGKILL)
            results["redis"].setdefault("killed horse", []).append(one_run(a, b, kill=kill_horse)["end"])
        stop(worker)
        for k in range(max(2, runs // 2)):
            worker = start_worker(url, root / f"worker-{k}.log")
            ms = one_run(a, b, kill=worker.kill)["end"]
            results["redis"].setdefault("killed worker", []).append(ms)
            worker.wait()
        for client in replicas:
            client.__exit__(None, None, None)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(root, ignore_errors=True)
    print(f"{runs} runs; ms, p50 / max; 'end' = DELETE → cancelled (or SIGKILL → error)\n")
    print(f"{'':16}{'embedded':>20}{'redis (A → B)':>20}{'ratio p50':>12}")
    names = {"first event": "first event", "first progress": "first progress", "end": "cancel",
             "killed horse": "killed horse", "killed worker": "killed worker"}
    for key, label in names.items():
        cells = []
        for queue in ("embedded", "redis"):
            values = results[queue].get(key)
            cells.append(f"{statistics.median(values):8.0f} / {max(values):6.0f}" if values else f"{'—':>17}")
        emb, red = results["embedded"].get(key), results["redis"].get(key)
        ratio = f"{statistics.median(red) / statistics.median(emb):10.2f}x" if emb and red else f"{'':>11}"
        print(f"{label:16}{cells[0]:>20}{cells[1]:>20}{ratio:>12}")
    print(json.dumps({q: {k: [round(v) for v in vs] for k, vs in r.items()} for q, r in results.items()}))


if __name__ == "__main__":
    main()
