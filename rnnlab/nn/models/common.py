"""What the composite models share: building a recurrent layer by name, child seeds,
copying a state, and the embedding -> recurrent -> linear stack of the classifier and
the tagger.

Letters: L num_layers, B batch, H hidden size.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.embedding import Embedding
from rnnlab.nn.linear import Linear
from rnnlab.nn.module import Module
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


class EmbedRecurrentLinear(Module):
    """(optional Embedding) -> recurrent layer -> Linear: the stack SequenceClassifier and
    SequenceTagger share; they differ in which hidden states the Linear reads.
    Children: ``embedding`` (when vocab_size is given), ``rnn``, ``linear``."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, output_size: int,
                 num_layers: int = 1, vocab_size: int | None = None, nonlinearity: str = "tanh",
                 dtype=np.float32, seed: int = 0):
        super().__init__()
        self.cell, self.input_size, self.hidden_size = cell, input_size, hidden_size
        self.output_size, self.num_layers, self.vocab_size = output_size, num_layers, vocab_size
        self.nonlinearity, self.dtype = nonlinearity, np.dtype(dtype)
        s = child_seeds(seed, 3)
        if vocab_size is not None:
            self.embedding = self.children["embedding"] = Embedding(vocab_size, input_size, dtype, s[0])
        else:
            self.embedding = None
        self.rnn = self.children["rnn"] = make_recurrent(
            cell, input_size, hidden_size, num_layers, nonlinearity, dtype, s[1])
        self.linear = self.children["linear"] = Linear(hidden_size, output_size, dtype, s[2])

    @property
    def trace(self):
        """The recurrent layer's trace of the last pass (h, c, gates, dh per step)."""
        return self.rnn.trace

    def _embed(self, x) -> np.ndarray:
        """x (B, T, I) floats as they are, or ids int (B, T) looked up in the embedding."""
        if self.embedding is None:
            return x
        if np.ndim(x) != 2:
            raise ValueError(f"{type(self).__name__}: expected token ids of shape (B, T), got shape {np.shape(x)}")
        return self.embedding.forward(x)  # (B, T, I)

    def _unembed(self, dx) -> np.ndarray | None:
        """dx (B, T, I) as it is, or None after adding it into the embedding's gradient."""
        if self.embedding is not None:
            return self.embedding.backward(dx)
        return dx
