"""SequenceTagger: many-to-many. One output at every step.

    e_t = E[x_t]                       (only with vocab_size: x holds token ids)
    h_1..h_T = RNN/LSTM/GRU(e_1..e_T)
    y_t = W h_t + b                    (B, T, O)

Letters: B batch, T time, I input size (or embedding size), H hidden, O outputs, V vocab.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.models.common import EmbedRecurrentLinear


class SequenceTagger(EmbedRecurrentLinear):
    """(optional Embedding) -> recurrent layer -> Linear at every step.
    Children: ``embedding`` (when vocab_size is given), ``rnn``, ``linear``."""

    final_state = None  # the recurrent state after the last forward pass

    def forward(self, x, state=None) -> np.ndarray:
        """x (B, T, I) floats, or ids int (B, T) with vocab_size. Returns y (B, T, O)."""
        out, self.final_state = self.rnn.forward(self._embed(x), state)  # (B, T, H)
        return self.linear.forward(out)  # (B, T, O)

    def backward(self, dy, dstate=None) -> np.ndarray | None:
        """dy (B, T, O) -> dx (B, T, I), or None with an embedding (ids have no gradient)."""
        dout = self.linear.backward(dy)  # (B, T, H)
        dx, _ = self.rnn.backward(dout, dstate)
        return self._unembed(dx)
