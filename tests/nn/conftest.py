"""Shared fixtures for the engine tests."""

import numpy as np
import pytest

from rnnlab import nn

# The recurrent cells every layer test runs over: id -> (layer class, extra kwargs).
CELLS = {
    "rnn-tanh": (nn.RNN, {"nonlinearity": "tanh"}),
    "rnn-relu": (nn.RNN, {"nonlinearity": "relu"}),
    "rnn-linear": (nn.RNN, {"nonlinearity": "linear"}),
    "lstm": (nn.LSTM, {}),
    "gru": (nn.GRU, {}),
}


@pytest.fixture
def rng():
    """A fresh, seeded generator per test."""
    return np.random.default_rng(0)


@pytest.fixture
def make_layer():
    """make_layer(cell_id, I, H, num_layers=1, **kw) -> a float64 recurrent layer (impl="fast"
    unless impl= says otherwise)."""

    def make(cell, input_size, hidden_size, num_layers=1, dtype=np.float64, seed=0, impl="fast"):
        cls, kwargs = CELLS[cell]
        return cls(input_size, hidden_size, num_layers=num_layers, dtype=dtype, seed=seed, impl=impl, **kwargs)

    return make


@pytest.fixture
def random_state():
    """random_state(cell_id, rng, shape) -> h, or (h, c) for LSTM, standard normal."""

    def make(cell, rng, shape):
        if cell == "lstm":
            return rng.standard_normal(shape), rng.standard_normal(shape)
        return rng.standard_normal(shape)

    return make


@pytest.fixture(params=list(CELLS))
def cell(request):
    """Each recurrent cell id in turn (parametrizes the test)."""
    return request.param


@pytest.fixture(params=[c for c in CELLS if c != "rnn-linear"])
def torch_cell(request):
    """Each cell torch also has (no "linear" RNN there), in turn."""
    return request.param


@pytest.fixture(params=["fast", "reference"])
def impl(request):
    """Each implementation of the recurrent cells in turn (parametrizes the test)."""
    return request.param
