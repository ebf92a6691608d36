"""What the composite models share: building a recurrent layer by name, child seeds,
and reading one state out of a batch of states.

Letters: L num_layers, B batch, H hidden size.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.recurrent import GRU, LSTM, RNN

CELLS = ("rnn", "lstm", "gru")


def make_recurrent(cell: str, input_size: int, hidden_size: int, num_layers: int,
                   nonlinearity: str, dtype, seed: int):
    """nn.RNN / nn.LSTM / nn.GRU by name; ``nonlinearity`` only applies to "rnn"."""
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")
    if cell == "rnn":
        return RNN(input_size, hidden_size, num_layers, nonlinearity=nonlinearity, dtype=dtype, seed=seed)
    if nonlinearity != "tanh":
        raise ValueError(f"nonlinearity: only cell='rnn' takes one, got {nonlinearity!r} for {cell!r}")
    return (LSTM if cell == "lstm" else GRU)(input_size, hidden_size, num_layers, dtype=dtype, seed=seed)


def child_seeds(seed: int, n: int) -> list[int]:
    """n distinct seeds drawn from ``seed``, one per child module."""
    return [int(s) for s in np.random.default_rng(seed).integers(0, 2**31 - 1, size=n)]


def copy_state(state):
    """A copy of a recurrent state h or (h, c)."""
    if isinstance(state, tuple):
        return tuple(s.copy() for s in state)
    return state.copy()
