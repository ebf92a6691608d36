"""The job worker: its progress callback (cancellation, throttling, backing off from slow charts), and a
real worker process keeping its own time limit and dying when its lifeline to the server breaks."""

import multiprocessing
import os
import queue
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from rnnlab.experiments import Cancelled
from rnnlab.runtime import worker
from rnnlab.runtime.worker import CHART_SHARE, EXIT_ORPHANED, EXIT_OVERTIME, Reporter

FAKES = Path(__file__).parents[1] / "web"  # the test-only experiments live beside the web tests


class Partial(BaseModel):
    values: list[float]


class Spec:
    def __init__(self, delay_s: float):
        self.delay_s = delay_s

    def to_dict(self, validate: bool = True) -> dict:
        time.sleep(self.delay_s)
        return {"mark": "line"}


def module_with_chart(delay_s: float = 0.0):
    return SimpleNamespace(ID="fake", chart=lambda result: Spec(delay_s))


def sent(q: queue.Queue) -> list:
    items = []
    while not q.empty():
        items.append(q.get_nowait())
    return items


def test_first_report_is_sent_with_fraction_spec_and_result():
    q = queue.Queue()
    Reporter(module_with_chart(), q, threading.Event(), 0.25)(Partial(values=[1.0]), 0.5)
    assert sent(q) == [("progress", {"fraction": 0.5, "spec": {"mark": "line"}, "result": {"values": [1.0]}})]


def test_reports_closer_than_the_interval_are_dropped():
    q = queue.Queue()
    report = Reporter(module_with_chart(), q, threading.Event(), 10.0)
    for k in range(5):
        report(Partial(values=[k]), k / 5)
    assert len(sent(q)) == 1


def test_fraction_is_clamped_to_0_1():
    q = queue.Queue()
    Reporter(module_with_chart(), q, threading.Event(), 0.0)(Partial(values=[]), 1.7)
    assert sent(q)[0][1]["fraction"] == 1.0


def test_set_cancel_event_raises_cancelled_inside_the_callback():
    cancel = threading.Event()
    report = Reporter(module_with_chart(), queue.Queue(), cancel, 0.25)
    report(Partial(values=[]), 0.1)
    cancel.set()
    with pytest.raises(Cancelled):
        report(Partial(values=[]), 0.2)


def test_slow_chart_makes_reports_rarer_so_training_keeps_most_of_the_time():
    q = queue.Queue()
    report = Reporter(module_with_chart(delay_s=0.02), q, threading.Event(), 0.0)
    start = time.monotonic()
    while time.monotonic() - start < 0.5:
        report(Partial(values=[]), 0.5)
    assert 1 <= len(sent(q)) <= 0.5 * CHART_SHARE / 0.02 + 1


# -- a real worker process, with no server watching it --------------------------


@pytest.fixture
def spawn_worker(monkeypatch):
    """``spawn_worker(module, params_json, time_limit_s, grace_s) -> (process, queue, server_end)``: ``worker.main``
    in a spawned process, as the server starts it, but with nobody draining its queue or enforcing its limit."""
    monkeypatch.syspath_prepend(str(FAKES))  # a spawned child starts with the parent's sys.path
    context = multiprocessing.get_context("spawn")
    started = []

    def spawn(module_name, params_json, time_limit_s, grace_s):
        q, cancel = context.Queue(), context.Event()
        worker_end, server_end = context.Pipe(duplex=False)
        args = (module_name, params_json, q, cancel, 0.05, time_limit_s, grace_s, worker_end, os.getpid())
        process = context.Process(target=worker.main, args=args, daemon=True)
        process.start()
        worker_end.close()
        started.append((process, server_end, q, cancel))  # the child unpickles q and cancel after start() returns
        return process, q, server_end

    yield spawn
    for process, server_end, _, _ in started:
        process.kill()
        process.join(5)
        server_end.close()


def final_message(q) -> tuple[str, dict]:
    while True:
        kind, data = q.get(timeout=30)
        if kind != "progress":
            return kind, data


def test_worker_cancels_itself_at_its_time_limit_with_the_time_limit_message(spawn_worker):
    # The worker's clock starts before it imports the experiment (a second or two here): limits leave room for that.
    process, q, _ = spawn_worker("fake_experiments.counter", '{"steps": 1000, "delay_s": 0.05}', 3.0, 1.5)
    assert final_message(q) == ("error", {"message": "stopped after 3 s, the time limit for this experiment"})
    process.join(10)
    assert process.exitcode == 0


def test_worker_that_ignores_its_own_cancel_exits_a_grace_period_later(spawn_worker):
    process, _, _ = spawn_worker("fake_experiments.stubborn", '{"seconds": 60}', 1.0, 1.0)
    process.join(20)  # the run alone would sleep 60 s
    assert process.exitcode == EXIT_OVERTIME


def test_worker_exits_when_the_server_end_of_its_lifeline_closes(spawn_worker):
    process, q, server_end = spawn_worker("fake_experiments.stubborn", '{"seconds": 60}', 60.0, 1.0)
    time.sleep(1.0)
    assert process.is_alive()
    server_end.close()  # what the kernel does when the server dies
    process.join(10)
    assert process.exitcode == EXIT_ORPHANED

