"""The real registry: every module keeps the contract, and the flagship answers through the API."""

import pytest
from fastapi.testclient import TestClient

from rnnlab.experiments import registry, runner
from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url


@pytest.fixture
def real_client(db_path):
    with TestClient(create_app(Settings(db_url=sqlite_url(db_path))), base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize("module", registry.MODULES, ids=lambda m: m.ID)
def test_registered_module_keeps_the_experiment_contract(module):
    assert runner.contract_problems(module) == []
    assert registry.get(module.ID) is module


def test_registry_ids_are_unique():
    assert len(registry.EXPERIMENTS) == len(registry.MODULES)


def test_unknown_id_raises_key_error():
    with pytest.raises(KeyError):
        registry.get("no-such-experiment")


def test_api_lists_the_real_registry(real_client):
    assert [e["id"] for e in real_client.get("/api/experiments").json()] == list(registry.EXPERIMENTS)


def test_vanishing_gradients_answers_and_changes_with_its_control(real_client):
    slow = real_client.post("/api/experiments/vanishing-gradients", json={"spectral_radius": 0.5, "seq_len": 50})
    fast = real_client.post("/api/experiments/vanishing-gradients", json={"spectral_radius": 1.5, "seq_len": 50})
    assert slow.status_code == fast.status_code == 200
    assert slow.json()["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert slow.json()["result"] != fast.json()["result"]


def test_vanishing_gradients_out_of_range_is_422_naming_the_field(real_client):
    response = real_client.post("/api/experiments/vanishing-gradients", json={"spectral_radius": 5})
    assert response.status_code == 422
    assert response.json()["detail"] == "spectral_radius: must be ≤ 2.0 (got 5)"
