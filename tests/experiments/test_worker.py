"""The job worker's progress callback: cancellation, throttling, and backing off from slow charts."""

import queue
import threading
import time
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from rnnlab.experiments import Cancelled
from rnnlab.experiments.worker import CHART_SHARE, Reporter


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
