"""The deployment docs/deploy.md describes, with real processes on loopback.

PostgreSQL (progress, classes), Redis (the job queue), two replicas of
``rnnlab serve`` and one ``rnnlab worker``, each its own process started by its
command line, as a lecturer would start them:

- ``rnnlab class create --json`` makes a class;
- a learner joins it on replica A and answers a check there; replica B, with the
  same cookie, reads the answer back;
- a job started on A is trained by the worker and streamed through B;
- the instructor's CSV, fetched from B with the class key, has the answer; a
  wrong key gets a 403 and nothing of the class.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from typing import Iterator

import httpx
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "web"))
from server_process import wait_for_url  # noqa: E402
from sse_client import events  # noqa: E402



RNNLAB = [sys.executable, "-m", "rnnlab.cli"]
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
CHECK, WRONG = "step3-shared-weights", "a"  # a choice check: graded without running an experiment


@contextmanager
def process(command: list[str]) -> Iterator[subprocess.Popen]:
    """A process from ``command``; stopped (SIGTERM, then SIGKILL) at the end."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        proc.stdout.close()


@contextmanager
def replica(db: str, queue: str) -> Iterator[str]:
    """``rnnlab serve`` on a free loopback port, one server process; its base URL."""
    command = [*RNNLAB, "serve", "--no-browser", "--port", "0", "--workers", "1", "--no-warm-up",
               "--db", db, "--queue", queue]
    with process(command) as proc:
        yield wait_for_url(proc, timeout_s=60).rstrip("/")


@pytest.mark.slow
def test_a_class_on_two_replicas_postgresql_redis_and_a_worker(postgres_url, redis_url):
    created = subprocess.run([*RNNLAB, "class", "create", "RNNs, week 5", "--db", postgres_url, "--json"],
                             capture_output=True, text=True, env=ENV, timeout=60, check=True)
    made = json.loads(created.stdout)
    code, key = made["code"], made["instructor_key"]

    with ExitStack() as stack:
        a = stack.enter_context(replica(postgres_url, redis_url))
        b = stack.enter_context(replica(postgres_url, redis_url))
        stack.enter_context(process([*RNNLAB, "worker", "--queue", redis_url]))
        on_a = stack.enter_context(httpx.Client(base_url=a, timeout=30))
        on_b = stack.enter_context(httpx.Client(base_url=b, timeout=30))

        # A learner joins on A (a same-origin form post) and answers there.
        joined = on_a.post(f"/join/{code}", data={"name": "Ada"}, headers={"Origin": a})
        assert joined.status_code == 303
        answered = on_a.post(f"/api/checks/{CHECK}", json={"choice": WRONG}, headers={"Origin": a})
        assert answered.status_code == 200 and answered.json()["correct"] is False

        # Replica B knows the same learner (the cookie's secret is in PostgreSQL) and reads the answer.
        on_b.cookies.update(on_a.cookies)
        progress = on_b.get("/api/progress").json()
        assert progress["answers"][CHECK]["answer"] == {"choice": WRONG}

        # A job started on A is trained by the worker and streamed through B.
        started = on_a.post("/api/jobs", headers={"Origin": a}, json={
            "experiment": "long-range-memory", "params": {"seq_len": 10, "hidden_size": 8, "train_steps": 300}})
        assert started.status_code == 201, started.text
        stream = events(on_b, started.json()["id"])
        assert [kind for kind, _ in stream][-1] == "result", stream[-1]
        assert stream[-1][1]["result"]["done"] is True

        # The instructor's CSV, from B, behind the class key.
        exported = on_b.get(f"/class/{code}/answers.csv", headers={"Authorization": f"Bearer {key}"})
        assert exported.status_code == 200
        text = exported.content.decode("utf-8-sig")  # the CSV starts with a byte-order mark, for Excel
        rows = [row for row in csv.DictReader(io.StringIO(text)) if row["check"] == CHECK]
        assert [(row["learner"], row["correct"]) for row in rows] == [("Ada", "no")]
        refused = on_b.get(f"/class/{code}/answers.csv", headers={"Authorization": "Bearer not-the-key"})
        assert refused.status_code == 403 and "Ada" not in refused.text and CHECK not in refused.text


# -- what docs/deploy.md and compose.yaml tell a lecturer to type ----------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def documented_commands() -> list[tuple[list[str], dict]]:
    """Every `rnnlab …` command line in docs/deploy.md's shell blocks and compose.yaml's services,
    with the environment compose gives it."""
    import re
    import shlex

    found = []
    text = open(os.path.join(ROOT, "docs", "deploy.md"), encoding="utf-8").read()
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith((".venv/bin/rnnlab ", "rnnlab ")):
                found.append((shlex.split(line.split("rnnlab ", 1)[1]), {}))
            elif " rnnlab " in line and line.startswith("docker compose run"):
                found.append((shlex.split(line.split(" rnnlab ", 1)[1]), compose_env()))
    for service in compose()["services"].values():
        command = service.get("command")
        if isinstance(command, str):
            command = shlex.split(command)
        if command and command[0] == "rnnlab":
            found.append((command[1:], {k: str(v) for k, v in service.get("environment", {}).items()}))
    return found


def compose() -> dict:
    import yaml

    return yaml.safe_load(open(os.path.join(ROOT, "compose.yaml"), encoding="utf-8"))


def compose_env() -> dict:
    return {k: str(v) for k, v in compose()["services"]["app1"]["environment"].items()}


@pytest.mark.parametrize(("args", "env"), documented_commands(), ids=[" ".join(a) for a, _ in documented_commands()])
def test_every_documented_command_is_one_rnnlab_accepts(args, env, monkeypatch):
    import warnings

    import click

    from rnnlab.cli import main

    for name in ("RNNLAB_DB", "RNNLAB_QUEUE", "RNNLAB_TOKEN", "RNNLAB_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = [arg.replace("${SITE:-localhost}", "localhost") for arg in args]
    command, context, name = main, None, "rnnlab"
    while isinstance(command, click.Group):  # down to the command itself: parsing checks every option
        context = command.make_context(name, list(args), parent=context)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # click 8.2 renames protected_args
            rest = [*context.protected_args, *context.args]
        name, command, args = command.resolve_command(context, rest)
        args = rest[1:]
    command.make_context(name, args, parent=context)  # raises on an unknown option or a bad value


def test_the_documentation_names_the_commands_it_is_tested_by():
    assert len(documented_commands()) >= 6  # class create, serve (one machine, replicas, compose), worker, …
