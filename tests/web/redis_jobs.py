"""Redis jobs seen from outside: ``rnnlab worker`` processes and a follower reading a job's events in a thread."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

FAKES = Path(__file__).parent  # the worker imports fake_experiments from here
COOKIE = "rnnlab_learner"


# `rnnlab worker` whose RQ worker checks in with Redis every second mid-job rather than every 30 s (RQ's
# job_monitoring_interval): RQ then notices within a second that Redis went away during a job.
IMPATIENT_WORKER = """
from rnnlab import cli
from rnnlab.runtime import redis_worker

made = redis_worker.make_worker

def make_worker(url):
    rq_worker = made(url)
    rq_worker.job_monitoring_interval = 1
    return rq_worker

redis_worker.make_worker = make_worker
cli.main(["worker"])
"""


def start_worker(url: str, log: Path, impatient: bool = False) -> subprocess.Popen:
    env = {**os.environ, "RNNLAB_QUEUE": url, "OPENBLAS_NUM_THREADS": "2",  # the worker must make it 1 itself
           "PYTHONPATH": os.pathsep.join(filter(None, [str(FAKES), os.environ.get("PYTHONPATH")]))}
    command = ["-c", IMPATIENT_WORKER] if impatient else ["-m", "rnnlab.cli", "worker"]
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, *command], env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "training jobs from" not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    process.log = log
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGINT)  # a second Ctrl+C: do not wait for the job in hand
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class Follower:
    """Reads a job's events through a client in a thread: ``.events`` is [(seconds since start, kind, data)]."""

    def __init__(self, client, job_id):
        self.events, self.t0 = [], time.monotonic()
        self.thread = threading.Thread(target=self._read, args=(client, job_id), daemon=True)
        self.thread.start()

    def _read(self, client, job_id):
        with client.stream("GET", f"/api/jobs/{job_id}/events") as response:
            assert response.status_code == 200
            kind = None
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.events.append((time.monotonic() - self.t0, kind, json.loads(line.removeprefix("data: "))))

    def wait_for(self, kind: str, timeout_s: float = 30.0, **data) -> float:
        """When the first ``kind`` event (with these data) came."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for t, k, d in list(self.events):
                if k == kind and all(d.get(name) == value for name, value in data.items()):
                    return t
            time.sleep(0.02)
        raise AssertionError(f"no {kind} {data} within {timeout_s} s: {[(k, d) for _, k, d in self.events]}")

    def end(self, timeout_s: float = 30.0) -> list[tuple[str, dict]]:
        self.thread.join(timeout_s)
        assert not self.thread.is_alive(), f"the stream did not end: {self.events}"
        return [(k, d) for _, k, d in self.events]


def kinds(stream) -> list[str]:
    return [kind for kind, _ in stream]


def learner_of(client) -> str:
    """The id of the client's learner (its signed cookie, made by a first request)."""
    if COOKIE not in client.cookies:
        client.get("/api/progress")
    return client.cookies[COOKIE].rsplit(".", 1)[0]


def same_learner(a, b) -> str:
    """Give ``b`` the learner cookie of ``a`` (replicas share the secret, kept in the database); the learner's id."""
    learner_id = learner_of(a)
    b.cookies.set(COOKIE, a.cookies[COOKIE])
    return learner_id
