"""SequenceClassifier: many-to-one. Read a whole sequence, answer once.

    e_t = E[x_t]                       (only with vocab_size: x holds token ids)
    h_1..h_T = RNN/LSTM/GRU(e_1..e_T)
    y = W h_T + b                      (B, O): class logits, or values for regression

With ``lengths`` (right-padded sequences) h_T is read at each row's last real
step, h_{len-1}, which padding after it cannot touch.

Letters: B batch, T time, I input size (or embedding size), H hidden, O outputs, V vocab.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.models.common import EmbedRecurrentLinear


class SequenceClassifier(EmbedRecurrentLinear):
    """(optional Embedding) -> recurrent layer -> Linear on the last hidden state.
    Children: ``embedding`` (when vocab_size is given), ``rnn``, ``linear``."""

    _T: int | None = None  # steps in the last forward pass
    _last: np.ndarray | None = None  # (B,) the step read in each row of the last pass

    def forward(self, x, state=None, lengths=None, gate_override=None) -> np.ndarray:
        """x (B, T, I) floats, or ids int (B, T) with vocab_size; lengths int (B,) in [1, T]
        or None (= T); gate_override: gate surgery on an LSTM (see nn.lstm). Returns y (B, O)."""
        out, _ = self.rnn.forward(self._embed(x), state, gate_override=gate_override)  # (B, T, H)
        B, T, _ = out.shape
        last = last_steps(lengths, B, T)
        self._T, self._last = T, last
        return self.linear.forward(out[np.arange(B), last])  # (B, O)

    def backward(self, dy) -> np.ndarray | None:
        """dy (B, O) -> dx (B, T, I), or None with an embedding (ids have no gradient)."""
        if self._T is None:
            raise ValueError("SequenceClassifier.backward: call forward first")
        dh_last = self.linear.backward(dy)  # (B, H)
        B, H = dh_last.shape
        dout = np.zeros((B, self._T, H), dh_last.dtype)  # (B, T, H): gradient only at the read steps
        dout[np.arange(B), self._last] = dh_last
        dx, _ = self.rnn.backward(dout)
        return self._unembed(dx)


def last_steps(lengths, B: int, T: int) -> np.ndarray:
    """The index of each row's last real step: lengths - 1, or T - 1 for every row."""
    if lengths is None:
        return np.full(B, T - 1)
    lengths = np.asarray(lengths)
    if lengths.shape != (B,) or lengths.dtype.kind not in "iu":
        raise ValueError(f"lengths: expected integers of shape ({B},), got {lengths.dtype} {lengths.shape}")
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths: expected values in [1, {T}], got [{lengths.min()}, {lengths.max()}]")
    return lengths - 1
