"""A class on one server: simulated learners against a real ``rnnlab serve``.

    OPENBLAS_NUM_THREADS=1 python bench/load.py [--learners 50] [--duration 45] [--think 1.0] [--workers 1 2]
    OPENBLAS_NUM_THREADS=1 python bench/load.py --workers 2 --against main [--rounds 4]

For each ``--workers`` count in turn, starts ``rnnlab serve --no-browser --port 0
--workers N --db <temp file>`` on 127.0.0.1 (it never sends a request anywhere
else), waits until it answers and its warm-up has finished (every quick
experiment answers at its defaults and the server's processes then sit idle for
a second), then runs two phases of ``--duration`` seconds each: one learner
alone, then ``--learners`` learners at once; then stops it.

``--against REF`` compares this tree with the code at git ``REF`` instead
(checked out in a temporary worktree, run by this Python: its dependencies must
be installed): both servers start, and every phase is cut into ``--rounds``
slices that take turns between them (ABBA…), so that on a shared machine a busy
moment falls on both rather than on whichever ran second.

Each learner has its own cookie jar and loops over the lesson from a random step:

- opens the step: ``GET /steps/n`` and ``POST /api/progress/visit``;
- moves the step's quick experiment's controls ``--moves`` times, one control
  at a time (``POST /api/experiments/{id}``): a slider to one of five positions
  (its minimum, default, maximum and the points halfway between), rounded as
  the page's slider rounds; a choice or a checkbox to any of its values;
- answers one of the step's checks with a valid answer (right or wrong);
- thinks ``--think`` seconds (±50 %, uniform) between actions.

Latency is measured by the client, from sending to the last byte (the
learners' HTTP clients are made before a phase's clock starts), and the
client runs on the same machine as the server: on 2 cores both compete for
the CPU, as they would with a learner's browser. Prints p50 / p95 / p99 and
the number of errors (HTTP ≥ 400 or no answer within ``--timeout``) per request
kind, every phase of every server side by side; the CPU time of the server's
processes per wall-clock second (100 % is one core: the GIL keeps a single
process near that ceiling); with several workers, how many requests each
worker answered (``X-Rnnlab-Process``); how many experiment requests repeated
params already asked for in the phase (what a result cache could answer); and
the load average, since a shared machine makes every number noisy, and the
CPU this benchmark's own process used (near 100 % of one core, its event loop
would delay the requests it times).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from rnnlab.lesson import load_lesson

REPO = Path(__file__).resolve().parent.parent  # this tree: the checkout this benchmark belongs to
KINDS = ("step page", "visit", "experiment", "check")
TICKS = os.sysconf("SC_CLK_TCK")


# --- the server -------------------------------------------------------------------------------------


def start_server(db: Path, workers: int, code: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``rnnlab serve --workers N`` on a free loopback port; returns the process and its base URL.
    ``code``: a checkout whose ``rnnlab`` package to run instead of the installed one."""
    command = [sys.executable, "-m", "rnnlab.cli"]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONUNBUFFERED": "1"}
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    server = subprocess.Popen([*command, "serve", "--no-browser", "--host", "127.0.0.1", "--port", "0", "--db", str(db),
                               "--workers", str(workers)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                              cwd=code or REPO)  # `-m` looks in cwd first
    deadline = time.monotonic() + 60
    for line in server.stdout:  # "rnnlab: the lesson is at http://127.0.0.1:PORT/  (…)"
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if match:
            threading.Thread(target=drain, args=(server,), daemon=True).start()
            return server, match[1]
        if time.monotonic() > deadline:
            break
    stop_server(server)
    raise SystemExit("rnnlab serve did not start: " + (server.stdout.read() if server.stdout else ""))


SERVER_ERRORS: Counter[str] = Counter()  # the last line of each traceback in the server's log


def drain(server: subprocess.Popen) -> None:
    """Read the server's log to its end (a full pipe would block the server) and count its errors."""
    for line in server.stdout:
        if re.match(r"^[\w.]+(Error|Exception|Exit)\b", line):
            SERVER_ERRORS[line.strip()[:200]] += 1


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and of its live descendants (the server's workers), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    total = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total + sum(cpu_seconds(child) for child in children(pid))


def children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


async def wait_until_warm(base: str, pid: int, quick: list[str], timeout_s: float = 300) -> float:
    """Seconds until every quick experiment answers at its defaults and the server then idles for a second."""
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        while time.monotonic() - t0 < timeout_s:
            for exp in quick:
                response = await client.post(f"/api/experiments/{exp}", json={}, headers={"Origin": base})
                response.raise_for_status()
            cpu0 = cpu_seconds(pid)
            await asyncio.sleep(1.0)
            if cpu_seconds(pid) - cpu0 < 0.05:  # warm-up thread done: the server is idle
                return time.monotonic() - t0
    raise SystemExit(f"the server was still busy after {timeout_s:.0f} s")


# --- what a learner does ----------------------------------------------------------------------------


def resolve(schema: dict, prop: dict) -> dict:
    """A property with its $ref / allOf / anyOf folded in (as the page's controls.js does)."""
    if len(prop.get("allOf", ())) == 1:
        prop = {**prop["allOf"][0], **prop}
    if "$ref" in prop:
        prop = {**schema.get("$defs", {})[prop["$ref"].split("/")[-1]], **prop}
    if "anyOf" in prop:
        concrete = next((a for a in prop["anyOf"] if a.get("type") != "null"), None)
        if concrete:
            prop = {**resolve(schema, concrete), **prop}
    return prop


def positions(prop: dict) -> list:
    """The values a learner tries on one control: five slider positions, or every choice."""
    if "enum" in prop:
        return list(prop["enum"])
    if "const" in prop:
        return [prop["const"]]
    if prop.get("type") == "boolean":
        return [False, True]
    if prop.get("type") in ("integer", "number"):
        low = prop.get("minimum", prop.get("exclusiveMinimum"))
        high = prop.get("maximum", prop.get("exclusiveMaximum"))
        default = prop.get("default", low)
        if low is None or high is None:
            return [default]
        if "exclusiveMinimum" in prop:
            low += 1 if prop["type"] == "integer" else (high - low) / 100
        if "exclusiveMaximum" in prop:
            high -= 1 if prop["type"] == "integer" else (high - low) / 100
        values = [low, (low + default) / 2, default, (default + high) / 2, high]
        if prop["type"] == "integer":
            return sorted({round(v) for v in values})
        if low > 0 and high / low >= 100:  # the page's log slider keeps two significant digits
            return sorted({float(f"{v:.2g}") for v in values} | {default})
        step = 10 ** math.floor(math.log10((high - low) / 100))  # the page's slider step, about
        digits = max(0, -int(math.log10(step)))
        return sorted({round(v, digits) for v in values} | {default})
    return [prop.get("default")]


def controls(schema: dict) -> dict[str, list]:
    """Every control of an experiment with more than one position."""
    props = {name: resolve(schema, p) for name, p in schema.get("properties", {}).items()}
    return {name: values for name, p in props.items() if len(values := positions(p)) > 1}


def answers(check) -> list[dict]:
    """A few valid answers to a check: the right one and some wrong ones."""
    ids = [o.id for o in check.options]
    if check.kind == "single":
        return [{"choice": i} for i in ids]
    if check.kind == "multiple":
        right = [o.id for o in check.options if o.correct]
        return [{"choices": right}, {"choices": ids[:1]}, {"choices": ids[-2:]}]
    if check.kind == "numeric":
        value, tolerance = check.numeric.value, check.numeric.tolerance
        return [{"value": value}, {"value": value + 3 * tolerance + 1}, {"value": value - 3 * tolerance - 1}]
    if check.kind == "ordering":
        return [{"order": list(check.order)}, {"order": ids}, {"order": ids[::-1]}]
    if check.kind == "matching":
        targets = [t.id for t in check.targets]
        return [{"pairs": {o.id: o.target for o in check.options}},
                {"pairs": {o.id: targets[0] for o in check.options}}]
    if check.kind == "predict":  # graded by running the check's experiment (memoised after the first)
        if check.prediction.answer == "choice":
            return [{"choice": i} for i in ids]
        return [{"value": v} for v in (0.3, 1e-3, 1e-12)]
    raise ValueError(f"no answers known for a {check.kind} check")


class Phase:
    """What one phase measured: latencies (s) and errors per request kind, requests made per experiment."""

    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.asked: list[tuple[str, str]] = []
        self.slowest: list[tuple[float, str, str]] = []  # (seconds, kind, what was asked), the 3 slowest
        self.processes: Counter[str] = Counter()  # requests answered per server process (X-Rnnlab-Process)
        self.client_cpu = 0.0  # this benchmark's own CPU time per wall-clock second during the phase

    def add(self, other: "Phase", weight: float) -> None:
        """Count ``other`` (a slice of this phase) in; ``weight``: its share of the phase's wall-clock time."""
        for kind, times in other.times.items():
            self.times[kind] += times
        for kind, errors in other.errors.items():
            self.errors[kind] += errors
        self.error_samples = (self.error_samples + other.error_samples)[:5]
        self.asked += other.asked
        self.slowest = sorted([*self.slowest, *other.slowest], reverse=True)[:3]
        self.processes.update(other.processes)
        self.client_cpu += weight * other.client_cpu

    async def timed(self, kind: str, request, what: str = "") -> None:
        t0 = time.perf_counter()
        try:
            response = await request
            ok, why = response.status_code < 400, f"HTTP {response.status_code} {response.text[:120]}"
            self.processes[response.headers.get("x-rnnlab-process", "the server")] += 1
        except httpx.HTTPError as exc:
            ok, why = False, f"{type(exc).__name__} {exc}"
        self.times[kind].append(time.perf_counter() - t0)
        self.slowest = sorted([*self.slowest, (self.times[kind][-1], kind, what)], reverse=True)[:3]
        if not ok:
            self.errors[kind] += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind}: {why}")


def learner_client(base: str, args) -> httpx.AsyncClient:
    """One learner's browser: its own cookie jar and at most two connections."""
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    return httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits)


async def learner(client: httpx.AsyncClient, base: str, plan: list[dict], phase: Phase, args, rng: random.Random,
                  stop_at: float) -> None:
    origin = {"Origin": base}
    async with client:
        at = rng.randrange(len(plan))
        state: dict[str, dict] = {}  # experiment id -> the params this learner's controls show

        async def think() -> bool:
            await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
            return time.monotonic() < stop_at

        await asyncio.sleep(rng.uniform(0, args.think))  # learners arrive spread over a think time
        while time.monotonic() < stop_at:
            step = plan[at]
            await phase.timed("step page", client.get(f"/steps/{step['number']}"), f"/steps/{step['number']}")
            await phase.timed("visit", client.post("/api/progress/visit", json={"step": step["number"]}, headers=origin))
            for exp, knobs in step["experiments"]:
                params = state.setdefault(exp, {})
                for _ in range(args.moves):
                    if not await think():
                        return
                    name = rng.choice(list(knobs))
                    params[name] = rng.choice(knobs[name])
                    phase.asked.append((exp, repr(sorted(params.items()))))
                    await phase.timed("experiment", client.post(f"/api/experiments/{exp}", json=params, headers=origin),
                                      f"{exp} {params}")
            if step["checks"]:
                if not await think():
                    return
                check_id, options = rng.choice(step["checks"])
                await phase.timed("check", client.post(f"/api/checks/{check_id}", json=rng.choice(options),
                                                       headers=origin))
            if not await think():
                return
            at = (at + 1) % len(plan)


async def run_phase(base: str, pid: int, plan: list[dict], learners: int, args, seed: int) -> tuple[Phase, float]:
    phase = Phase()
    # The learners' clients are made before the clock starts: making one takes this process ~45 ms (httpx
    # builds an SSL context), and 50 made as the phase began held up the event loop for 2 s, which the
    # first requests of the phase counted as the server's latency.
    clients = [learner_client(base, args) for _ in range(learners)]
    stop_at = time.monotonic() + args.duration
    cpu0, own0, t0 = cpu_seconds(pid), time.process_time(), time.monotonic()
    await asyncio.gather(*(learner(client, base, plan, phase, args, random.Random(seed * 1000 + k), stop_at)
                           for k, client in enumerate(clients)))
    phase.client_cpu = (time.process_time() - own0) / (time.monotonic() - t0)
    return phase, (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)


# --- the report -------------------------------------------------------------------------------------


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, math.ceil(q * len(xs)) - 1)] if xs else float("nan")


def columns(phase: Phase, kind: str | None) -> str:
    times = [t for k in KINDS for t in phase.times[k]] if kind is None else phase.times[kind]
    errors = sum(phase.errors.values()) if kind is None else phase.errors[kind]
    if not times:
        return f"{0:>6} {'':>7} {'':>7} {'':>7} {errors:>5}"
    ms = [1000 * percentile(times, q) for q in (0.50, 0.95, 0.99)]
    return f"{len(times):>6} {ms[0]:>7.0f} {ms[1]:>7.0f} {ms[2]:>7.0f} {errors:>5}"


def repeats(phase: Phase) -> str:
    seen, hits = set(), 0
    for key in phase.asked:
        hits += key in seen
        seen.add(key)
    return f"{hits}/{len(phase.asked)} ({100 * hits / max(1, len(phase.asked)):.0f} %)"


def report(args, phases: list[tuple[str, Phase, float]], load: tuple[float, float]) -> None:
    head = " | ".join(f"{name:^37}" for name, _, _ in phases)
    sub = " | ".join(f"{'n':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'err':>5}" for _ in phases)
    print(f"\n{args.duration:.0f} s per phase, think {args.think:g} s ±50 %, {args.moves} moves per experiment, "
          f"OPENBLAS_NUM_THREADS=1")
    print(f"{'':<12} {head}")
    print(f"{'request':<12} {sub}")
    for kind in (*KINDS, None):
        print(f"{kind or 'all':<12} " + " | ".join(columns(phase, kind) for _, phase, _ in phases))
    print(f"{'server CPU':<12} " + " | ".join(f"{100 * cpu:>6.0f} % of one core{'':<15}" for _, _, cpu in phases))
    print(f"{'client CPU':<12} " + " | ".join(f"{100 * p.client_cpu:>6.0f} % of one core{'':<15}" for _, p, _ in phases)
          + "   (these simulated learners: one Python process, on the same cores)")
    print(f"{'repeats':<12} " + " | ".join(f"{repeats(phase):>37}" for _, phase, _ in phases)
          + "   (experiment requests whose params were already asked in the phase)")
    print(f"{'per process':<12} " + " | ".join(f"{spread(phase):>37}" for _, phase, _ in phases)
          + "   (share of requests each server process answered)")
    print(f"load average (1 min) at start {load[0]:.1f}, at end {load[1]:.1f}, on {os.cpu_count()} cores")
    for name, phase, _ in phases:
        for sample in phase.error_samples:
            print(f"  error ({name}): {sample}")
    for name, phase, _ in phases:
        for seconds, kind, what in phase.slowest:
            print(f"  slowest ({name}): {1000 * seconds:.0f} ms {kind} {what}")
    for line, count in SERVER_ERRORS.most_common(5):
        print(f"  server log: {count} × {line}")


def spread(phase: Phase) -> str:
    total = sum(phase.processes.values()) or 1
    return " ".join(f"{100 * n / total:.0f}%" for _, n in phase.processes.most_common())


class Server:
    """One ``rnnlab serve`` under test: its name in the report, process, URL and what its learners do."""

    def __init__(self, name: str, process: subprocess.Popen, base: str):
        self.name, self.process, self.base = name, process, base
        self.plan: list[dict] = []


async def started(name: str, db: Path, workers: int, lesson, code: Path | None = None) -> Server:
    """A server, warm (its quick experiments answer at their defaults and it idles), with its learners' plan."""
    process, base = start_server(db, workers, code)
    server = Server(name, process, base)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            listed = (await client.get("/api/experiments")).raise_for_status().json()
        quick = {e["id"]: controls(e["params_schema"]) for e in listed if e["kind"] == "quick"}
        warm_s = await wait_until_warm(base, process.pid, list(quick))
    except BaseException:
        stop_server(process)
        raise
    print(f"server {name}: {base} (pid {process.pid}) warm after {warm_s:.0f} s")
    server.plan = [{"number": step.number,
                    "experiments": [(e, quick[e]) for e in step.experiments if quick.get(e)],
                    "checks": [(c, answers(lesson.checks[c])) for c in step.checks]}
                   for step in lesson.steps]
    return server


async def measure(args, servers: list[Server]) -> list[tuple[str, Phase, float]]:
    """One learner, then ``--learners``, against each server: each phase cut in ``--rounds`` slices that
    take turns between the servers (ABBA…), so a busy moment of a shared machine falls on all of them."""
    part = argparse.Namespace(**{**vars(args), "duration": args.duration / args.rounds})
    by_server: dict[str, list[tuple[str, Phase, float]]] = {s.name: [] for s in servers}
    for i, count in enumerate((1, args.learners)):
        merged, cpu = {s.name: Phase() for s in servers}, {s.name: 0.0 for s in servers}
        for r in range(args.rounds):
            for server in servers if r % 2 == 0 else servers[::-1]:
                phase, used = await run_phase(server.base, server.process.pid, server.plan, count, part,
                                              seed=i * len(servers) + args.seed + 100 * r)
                merged[server.name].add(phase, 1 / args.rounds)
                cpu[server.name] += used / args.rounds
        for server in servers:
            if server.process.poll() is not None:
                raise SystemExit(f"the server {server.name} exited during the run")
            name = f"{count} learner{'s' * (count > 1)}, {server.name}"
            by_server[server.name].append((name, merged[server.name], cpu[server.name]))
    return [phase for server in servers for phase in by_server[server.name]]

@contextmanager
def checkout(ref: str, into: Path) -> Iterator[Path]:
    """``ref`` of this repository, checked out (detached) in ``into`` while the ``with`` lasts."""
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--quiet", "--detach", str(into), ref], check=True)
    try:
        yield into
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(into)], check=False)


async def main_async(args) -> int:
    lesson = load_lesson()
    load0 = os.getloadavg()[0]
    phases = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            with checkout(args.against, Path(tmp) / "against") as code:
                servers = []
                try:
                    for name, tree in [("this tree", None), (args.against, code)]:
                        db = Path(tmp) / f"{len(servers)}.db"
                        servers.append(await started(name, db, args.workers[0], lesson, tree))
                    phases = await measure(args, servers)
                finally:
                    for server in servers:
                        stop_server(server.process)
        else:
            for workers in args.workers:
                name = f"{workers} worker{'s' * (workers > 1)}"
                server = await started(name, Path(tmp) / f"{workers}.db", workers, lesson)
                try:
                    phases += await measure(args, [server])
                finally:
                    stop_server(server.process)
    report(args, phases, (load0, os.getloadavg()[0]))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description="simulated learners against a real rnnlab serve on 127.0.0.1")
    ap.add_argument("--learners", type=int, default=50, help="learners in the second phase")
    ap.add_argument("--duration", type=float, default=45.0, help="seconds each phase lasts")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between actions, seconds (±50 %%)")
    ap.add_argument("--moves", type=int, default=3, help="control moves per quick experiment on each step visit")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as an error")
    ap.add_argument("--seed", type=int, default=0, help="seeds the learners' choices")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], metavar="N",
                    help="server processes (`rnnlab serve --workers N`); each count gets its own server, in turn")
    ap.add_argument("--against", metavar="REF",
                    help="also measure the code at git REF (e.g. main), with --workers' first count: the two "
                         "servers take turns in every phase (see --rounds), side by side in the report")
    ap.add_argument("--rounds", type=int, default=None,
                    help="slices each phase is cut into, taking turns between the servers (with --against: 4)")
    args = ap.parse_args()
    if args.rounds is None:
        args.rounds = 4 if args.against else 1
    if args.rounds < 1:
        ap.error("--rounds ≥ 1")
    if args.learners < 1 or args.duration <= 0 or args.think < 0 or args.moves < 0 or min(args.workers) < 1:
        ap.error("--learners ≥ 1, --duration > 0, --think ≥ 0, --moves ≥ 0 and --workers ≥ 1")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
