"""``@train_once``: a trainer runs once per process, and once for all processes sharing ``RNNLAB_TRAINED_DIR``."""

import pickle

import numpy as np

from rnnlab import nn
from rnnlab.experiments._trained import TRAINED_DIR_ENV, train_once


def fit(cell: str) -> dict:
    CALLS.append(cell)
    return {"cell": cell, "w": np.arange(3.0)}


CALLS: list[str] = []


def test_a_trainer_runs_once_per_process_and_argument(monkeypatch):
    monkeypatch.delenv(TRAINED_DIR_ENV, raising=False)
    CALLS.clear()
    trainer = train_once(fit)
    assert trainer("gru") is trainer("gru")
    trainer("lstm")
    assert CALLS == ["gru", "lstm"]


def test_a_second_process_loads_what_the_first_trained_from_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(TRAINED_DIR_ENV, str(tmp_path))
    CALLS.clear()
    first, second = train_once(fit), train_once(fit)  # two processes' memos of the same trainer
    assert first("gru")["cell"] == "gru"
    loaded = second("gru")
    assert loaded["cell"] == "gru" and np.array_equal(loaded["w"], np.arange(3.0))
    assert CALLS == ["gru"]
    assert not list(tmp_path.glob("*.partial"))


def test_without_a_shared_folder_each_process_trains_its_own(monkeypatch):
    monkeypatch.delenv(TRAINED_DIR_ENV, raising=False)
    CALLS.clear()
    train_once(fit)("gru")
    train_once(fit)("gru")
    assert CALLS == ["gru", "gru"]


def test_a_recurrent_layer_pickles_and_computes_the_same_after(tmp_path):
    layer = nn.GRU(input_size=3, hidden_size=4, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    copy = pickle.loads(pickle.dumps(layer))
    assert np.array_equal(copy.forward(x)[0], layer.forward(x)[0])
