"""``POST /api/experiments/{id}`` answers repeated params from the per-process ``ResultCache``."""

import pytest
from fake_experiments import ALL, tally

from rnnlab.web.settings import Settings


@pytest.fixture
def settings(settings) -> Settings:
    return settings.model_copy(update={"experiments": {**ALL, tally.ID: tally}})


@pytest.fixture(autouse=True)
def no_runs_yet():
    tally.RUNS.clear()


def test_second_identical_request_returns_equal_payload_without_running_again(client):
    first = client.post("/api/experiments/fake-tally", json={"rho": 0.5, "length": 3})
    second = client.post("/api/experiments/fake-tally", json={"length": 3, "rho": 0.5})
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.json()["result"] == {"values": [1.0, 0.5, 0.25]}
    assert second.headers["content-type"] == "application/json"
    assert len(tally.RUNS) == 1


def test_params_spelled_differently_but_equal_once_validated_share_an_entry(client):
    client.post("/api/experiments/fake-tally", json={"rho": 1, "length": 3})
    client.post("/api/experiments/fake-tally", json={"rho": 1.0, "length": 3})
    client.post("/api/experiments/fake-tally", json={"rho": 1.0, "length": 3, "poison": False})
    assert len(tally.RUNS) == 1


def test_different_params_miss(client):
    a = client.post("/api/experiments/fake-tally", json={"rho": 0.5}).json()
    b = client.post("/api/experiments/fake-tally", json={"rho": 0.25}).json()
    assert a["result"] != b["result"]
    assert [run["rho"] for run in tally.RUNS] == [0.5, 0.25]


def test_nan_in_a_result_is_still_null_when_served_from_the_cache(client):
    for _ in range(2):
        response = client.post("/api/experiments/fake-tally", json={"length": 2, "poison": True})
        assert response.status_code == 200
        assert response.json()["result"]["values"] == [1.0, 0.5, None]
    assert len(tally.RUNS) == 1


def test_bad_params_are_422_and_never_cached(client):
    for _ in range(2):
        assert client.post("/api/experiments/fake-tally", json={"rho": 5}).status_code == 422
    assert tally.RUNS == []


def test_cache_bound_from_settings_evicts_the_least_recently_used(settings):
    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    app = create_app(settings.model_copy(update={"result_cache_entries": 2, "result_store_rows": 0}))  # no shared level
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for rho in (0.1, 0.2, 0.1, 0.3, 0.1, 0.2):  # 0.2 is the oldest when 0.3 arrives
            client.post("/api/experiments/fake-tally", json={"rho": rho})
    assert [run["rho"] for run in tally.RUNS] == [0.1, 0.2, 0.3, 0.2]


def test_diverging_quick_experiment_is_422_every_time(client, monkeypatch):
    from rnnlab.experiments import Diverged

    def diverging(params, progress=None):
        tally.RUNS.append(params.model_dump())
        raise Diverged("the values blew up")

    monkeypatch.setattr(tally, "run", diverging)
    for _ in range(2):
        response = client.post("/api/experiments/fake-tally", json={})
        assert response.status_code == 422
        assert response.json() == {"detail": "the values blew up"}
    assert len(tally.RUNS) == 2


def test_warm_up_caches_quick_experiments_at_their_defaults(settings):
    import time

    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    app = create_app(settings.model_copy(update={"warm_up": True}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        deadline = time.monotonic() + 30
        while not tally.RUNS and time.monotonic() < deadline:  # the warm-up thread runs it once
            time.sleep(0.05)
        assert tally.RUNS == [{"rho": 0.5, "length": 5, "poison": False}]
        assert client.post("/api/experiments/fake-tally", json={}).status_code == 200
    assert len(tally.RUNS) == 1


def test_two_apps_on_one_database_run_a_result_once(db_url, settings):
    """Two server processes' apps: what one computed, the other answers from the results table."""
    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    shared = settings.model_copy(update={"db_url": db_url})
    bodies = []
    for app in (create_app(shared), create_app(shared)):
        with TestClient(app, base_url="http://127.0.0.1") as client:
            bodies.append(client.post("/api/experiments/fake-tally", json={"rho": 0.5}).json())
            client.post("/api/experiments/fake-tally", json={"rho": 0.25})
    assert bodies[0] == bodies[1]
    assert [run["rho"] for run in tally.RUNS] == [0.5, 0.25]
