"""SequenceTagger: many-to-many. One output at every step.

    e_t = E[x_t]                       (only with vocab_size: x holds token ids)
    h_1..h_T = RNN/LSTM/GRU(e_1..e_T)
    y_t = W h_t + b                    (B, T, O)

Letters: B batch, T time, I input size (or embedding size), H hidden, O outputs, V vocab.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.embedding import Embedding
from rnnlab.nn.linear import Linear
from rnnlab.nn.models.common import child_seeds, make_recurrent
from rnnlab.nn.module import Module


class SequenceTagger(Module):
    """(optional Embedding) -> recurrent layer -> Linear at every step.
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
        self.final_state = None  # the recurrent state after the last forward pass

    @property
    def trace(self):
        """The recurrent layer's trace of the last pass (h, c, gates, dh per step)."""
        return self.rnn.trace

    def forward(self, x, state=None) -> np.ndarray:
        """x (B, T, I) floats, or ids int (B, T) with vocab_size. Returns y (B, T, O)."""
        if self.embedding is not None:
            if np.ndim(x) != 2:
                raise ValueError(f"SequenceTagger: expected token ids of shape (B, T), got shape {np.shape(x)}")
            x = self.embedding.forward(x)  # (B, T, I)
        out, self.final_state = self.rnn.forward(x, state)  # (B, T, H)
        return self.linear.forward(out)  # (B, T, O)

    def backward(self, dy, dstate=None) -> np.ndarray | None:
        """dy (B, T, O) -> dx (B, T, I), or None with an embedding (ids have no gradient)."""
        dout = self.linear.backward(dy)  # (B, T, H)
        dx, _ = self.rnn.backward(dout, dstate)
        if self.embedding is not None:
            return self.embedding.backward(dx)
        return dx
