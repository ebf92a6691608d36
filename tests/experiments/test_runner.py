"""``rnnlab.experiments.runner``: contract checks, time limits, JSON-safe payloads."""

import math
from types import ModuleType, SimpleNamespace

from pydantic import BaseModel, Field

from rnnlab.experiments import runner


class Params(BaseModel):
    n: int = Field(3, ge=1)


class Result(BaseModel):
    values: list[float]


class Spec:
    def __init__(self, values):
        self.values = values

    def to_dict(self, validate=True):
        return {"data": {"values": [{"y": v} for v in self.values]}}


def module(**changes):
    attrs = dict(ID="fake", TITLE="Fake", STEP=4, KIND="quick", Params=Params, Result=Result,
                 run=lambda p, progress=None: Result(values=[1.0] * p.n), chart=lambda r: Spec(r.values))
    attrs.update(changes)
    return SimpleNamespace(**attrs)


def test_a_complete_module_has_no_contract_problems():
    assert runner.contract_problems(module()) == []


def test_contract_problems_name_what_is_missing_or_wrong():
    assert runner.contract_problems(SimpleNamespace(ID="x")) == [
        f"x: no {attr}" for attr in runner.REQUIRED if attr != "ID"
    ]
    problems = runner.contract_problems(module(KIND="slow", STEP=9, Result=dict))
    assert any("KIND" in p for p in problems) and any("STEP" in p for p in problems)
    assert any("Result must be a pydantic model" in p for p in problems)


def test_params_without_workable_defaults_are_a_contract_problem():
    class NoDefault(BaseModel):
        n: int

    assert "defaults" in runner.contract_problems(module(Params=NoDefault))[0]


def test_time_limit_prefers_settings_then_module_then_default():
    assert runner.time_limit_s(module(), {}, 120.0) == 120.0
    assert runner.time_limit_s(module(TIME_LIMIT_S=30), {}, 120.0) == 30.0
    assert runner.time_limit_s(module(TIME_LIMIT_S=30), {"fake": 5}, 120.0) == 5.0


def test_payload_turns_nan_and_infinity_into_null():
    data = runner.payload(module(), Result(values=[1.0, math.nan, -math.inf]))
    assert data["result"]["values"] == [1.0, None, None]
    assert data["spec"]["data"]["values"] == [{"y": 1.0}, {"y": None}, {"y": None}]


def test_evaluate_runs_and_charts():
    assert runner.evaluate(module(), Params(n=2))["result"] == {"values": [1.0, 1.0]}


def test_warm_up_calls_every_hook_in_order_and_survives_a_failing_one():
    called = []

    def failing():
        called.append("b")
        raise RuntimeError("boom")

    modules = [
        SimpleNamespace(ID="a", warm_up=lambda: called.append("a")),
        SimpleNamespace(ID="b", warm_up=failing),
        SimpleNamespace(ID="none"),  # no warm_up: skipped
        SimpleNamespace(ID="c", warm_up=lambda: called.append("c")),
    ]
    runner.warm_up(modules)
    assert called == ["a", "b", "c"]


def test_an_app_with_warm_up_on_calls_the_hooks_at_start_and_one_without_does_not(tmp_path):
    import threading

    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app
    from rnnlab.web.settings import Settings, sqlite_url

    for warm_up in (True, False):
        done = threading.Event()
        module = ModuleType("warm")
        module.ID, module.STEP, module.warm_up = "warm", 1, done.set
        settings = Settings(db_url=sqlite_url(tmp_path / f"{warm_up}.db"), warm_up=warm_up,
                            experiments={"warm": module})
        with TestClient(create_app(settings)):
            assert done.wait(timeout=10 if warm_up else 0.5) is warm_up
