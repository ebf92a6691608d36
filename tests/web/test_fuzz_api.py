"""Every API operation fuzzed from the OpenAPI schema (schemathesis): no 5xx and no slow answer, whatever is sent.

Runs against the real app and registry on a temp SQLite file. Job routes
really start jobs (at most two run, then 429; the app's shutdown stops
them). A bounded number of examples per operation keeps the run to about a
minute on 2 cores; the request count and a status-code table are printed
at the end (``-s`` not needed).
"""

import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from rnnlab.experiments.registry import EXPERIMENTS
from rnnlab.lesson import load_lesson
from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url

pytestmark = pytest.mark.fuzz

EXAMPLES = 25  # per operation
BASE_URL = "http://127.0.0.1"  # a Host the app answers to (any other gets the rebinding guard's 400)
SLOW_S = 5.0  # no answer may take longer (the quick experiments take well under a second)
STATUSES: Counter = Counter()  # (operation, status) -> requests
SLOWEST: dict[str, float] = {}  # operation -> its slowest answer, s


_DB = tempfile.TemporaryDirectory(prefix="rnnlab-fuzz-")
JOB_LIMIT_S = 3.0  # the jobs the fuzzing starts stop after this: they would take the 2 cores from the requests
APP = create_app(Settings(db_url=sqlite_url(Path(_DB.name) / "p.db"), job_grace_s=1.0,
                          job_time_limits={i: JOB_LIMIT_S for i, m in EXPERIMENTS.items() if m.KIND == "job"}))

CLASS = APP.state.classes.create("Fuzzed class")  # so joining and signing in reach their handlers


# The quick experiments that train no cached model on their first run, and the jobs (409): the others
# first train one for 8-16 s on a loaded 2-core machine (`rnnlab serve` does that at start-up instead).
RUN = sorted(["bptt", "vanishing-gradients"] + [i for i, m in EXPERIMENTS.items() if m.KIND == "job"])


def _with_real_ids(raw: dict) -> dict:
    """The app's schema with the ids that exist as enums, so the fuzzer reaches the graders,
    the experiments and the pages instead of their 404s (negative cases still try others)."""
    checks = load_lesson().checks  # a predict check runs its experiment: only those in RUN (the others train first)
    graded = sorted(i for i, c in checks.items() if c.kind != "predict" or c.prediction.experiment in RUN)
    ids = {"check_id": graded, "experiment_id": RUN,
           "number": [str(step.number) for step in load_lesson().steps], "code": [CLASS.code]}
    for operations in raw["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ids:
                    parameter["schema"]["enum"] = ids[parameter["name"]]
    raw["components"]["schemas"]["JobRequest"]["properties"]["experiment"]["enum"] = sorted(EXPERIMENTS)
    return raw


# From the app's own dict, at import: schemathesis.pytest.from_fixture reads a pytest attribute
# that pytest 9 no longer has, and from_asgi would run (and end) the app's lifespan to load it.
schema = schemathesis.openapi.from_dict(_with_real_ids(APP.openapi()))
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def running_app(request):
    with TestClient(APP):  # runs the lifespan: its shutdown stops the jobs the fuzzing started
        yield
    _DB.cleanup()
    _print_table(request.config)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_a_server_error_or_a_slow_answer(case):
    start = time.perf_counter()
    response = case.call(base_url=BASE_URL, timeout=60)
    took = time.perf_counter() - start
    documented = case.method.upper() == case.operation.method.upper()  # not one of schemathesis's method probes
    operation = f"{case.method} {case.path}" if documented else "(other methods, every path)"
    STATUSES[(operation, response.status_code)] += 1
    SLOWEST[operation] = max(took, SLOWEST.get(operation, 0.0))
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
    assert took < SLOW_S, f"{case.method} {case.path} took {took:.1f} s"


def _print_table(config) -> None:
    reporter, capture = (config.pluginmanager.get_plugin(name) for name in ("terminalreporter", "capturemanager"))
    if reporter is None or not STATUSES:
        return
    with capture.global_and_fixture_disabled():  # a teardown's output is captured otherwise
        _write_table(reporter)


def _write_table(reporter) -> None:
    codes = sorted({code for _, code in STATUSES})
    operations = sorted({op for op, _ in STATUSES})
    reporter.write_line(f"\nfuzzed {sum(STATUSES.values())} requests over {len(operations)} operations")
    reporter.write_line(f"{'operation':44}" + "".join(f"{c:>6}" for c in codes) + "  slowest")
    for op in operations:
        counts = "".join(f"{STATUSES[(op, c)] or '':>6}" for c in codes)
        reporter.write_line(f"{op:44}{counts}  {SLOWEST[op]:5.2f} s")
    reporter.write_line(f"{'total':44}" + "".join(f"{sum(n for (_, c), n in STATUSES.items() if c == code):>6}" for code in codes))


def test_the_fuzzing_reached_the_handlers():
    """Runs after the fuzzing (pytest keeps file order): had every request been refused at the door
    (a Host or origin guard), "no 5xx" would say nothing about the handlers."""
    by_code = Counter()
    for (_, code), n in STATUSES.items():
        by_code[code] += n
    total = sum(by_code.values())
    assert total > 0
    assert by_code[200] > 0 and by_code[422] > 0, dict(by_code)
    assert by_code[400] < total / 4, dict(by_code)
