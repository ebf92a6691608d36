"""CharLM: a character language model. Predict the next character at every step.

    e_t = E[x_t]   or the one-hot vector of x_t when embedding_dim is None
    h_1..h_T = RNN/LSTM/GRU(e_1..e_T)                 (state carried across batches if asked)
    logits_t = W h_t + b                              (B, T, V), scores for x_{t+1}

Sampling feeds each drawn character back in: p = softmax(logits / temperature),
restricted to the top_k most likely characters when top_k is given.

Letters: B batch, T time, V vocab, E embedding size, H hidden.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.checks import as_ids, positive_int
from rnnlab.nn.embedding import Embedding, one_hot
from rnnlab.nn.linear import Linear
from rnnlab.nn.losses import softmax
from rnnlab.nn.models.common import child_seeds, copy_state, make_recurrent
from rnnlab.nn.module import Module


class CharLM(Module):
    """Embedding (or one-hot) -> recurrent layer -> Linear to V logits.
    Children: ``embedding`` (when embedding_dim is given), ``rnn``, ``linear``."""

    def __init__(self, vocab_size: int, hidden_size: int, cell: str = "lstm", num_layers: int = 1,
                 embedding_dim: int | None = None, nonlinearity: str = "tanh",
                 dtype=np.float32, seed: int = 0):
        super().__init__()
        self.vocab_size = positive_int(vocab_size, "CharLM vocab_size")
        self.hidden_size, self.cell, self.num_layers = hidden_size, cell, num_layers
        self.embedding_dim, self.nonlinearity, self.dtype = embedding_dim, nonlinearity, np.dtype(dtype)
        s = child_seeds(seed, 3)
        if embedding_dim is not None:
            self.embedding = self.children["embedding"] = Embedding(vocab_size, embedding_dim, dtype, s[0])
        else:
            self.embedding = None
        input_size = self.vocab_size if embedding_dim is None else embedding_dim
        self.rnn = self.children["rnn"] = make_recurrent(
            cell, input_size, hidden_size, num_layers, nonlinearity, dtype, s[1])
        self.linear = self.children["linear"] = Linear(hidden_size, vocab_size, dtype, s[2])
        self.final_state = None  # the recurrent state after the last forward pass (a copy)

    @property
    def trace(self):
        """The recurrent layer's trace of the last pass (h, c, gates, dh per step)."""
        return self.rnn.trace

    def reset_state(self) -> None:
        self.final_state = None

    def _inputs(self, ids) -> np.ndarray:
        """ids int (B, T) -> the recurrent layer's input (B, T, E or V)."""
        if self.embedding is not None:
            return self.embedding.forward(ids)
        ids = as_ids(ids, self.vocab_size, "CharLM ids")
        return one_hot(ids, self.vocab_size, self.dtype)  # (B, T, V)

    def forward(self, ids, state=None, carry: bool = False) -> np.ndarray:
        """ids int (B, T) -> logits (B, T, V). The pass starts from ``state``; or, with
        carry=True, from the final state of the previous pass (truncated BPTT:
        no gradient flows into the previous batch); or else from zeros."""
        if np.ndim(ids) != 2:
            raise ValueError(f"CharLM: expected ids of shape (B, T), got shape {np.shape(ids)}")
        if state is None and carry and self.final_state is not None:
            state = self.final_state
        out, final = self.rnn.forward(self._inputs(ids), state)  # (B, T, H)
        self.final_state = copy_state(final)
        return self.linear.forward(out)  # (B, T, V)

    def backward(self, dlogits) -> None:
        """dlogits (B, T, V): adds into every parameter's gradient."""
        dout = self.linear.backward(dlogits)  # (B, T, H)
        dx, _ = self.rnn.backward(dout)
        if self.embedding is not None:
            self.embedding.backward(dx)

    def sample(self, seed_ids, length: int, temperature: float = 1.0, top_k: int | None = None,
               rng: np.random.Generator | int = 0) -> np.ndarray:
        """Read ``seed_ids`` (S,), then draw ``length`` ids one at a time -> int64 (length,).
        Overwrites the layers' trace; leaves ``final_state`` as it was."""
        seed_ids = as_ids(seed_ids, self.vocab_size, "CharLM.sample seed_ids", ndim=1)
        if seed_ids.size == 0:
            raise ValueError("CharLM.sample: expected at least one seed id, got none")
        length = positive_int(length, "CharLM.sample length", minimum=0)
        if not (isinstance(temperature, (int, float)) and temperature > 0 and np.isfinite(temperature)):
            raise ValueError(f"CharLM.sample: temperature must be a number > 0, got {temperature!r}")
        if top_k is not None:
            top_k = positive_int(top_k, "CharLM.sample top_k")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        out, state = self.rnn.forward(self._inputs(seed_ids[None]))  # (1, S, H)
        h = out[0, -1]  # (H,)
        drawn = np.empty(length, dtype=np.int64)
        for t in range(length):
            logits = self.linear.forward(h[None])[0].astype(np.float64) / temperature  # (V,)
            if top_k is not None and top_k < self.vocab_size:
                cutoff = np.partition(logits, -top_k)[-top_k]
                logits = np.where(logits >= cutoff, logits, -np.inf)
            p = softmax(logits)
            drawn[t] = rng.choice(self.vocab_size, p=p / p.sum())
            if t + 1 == length:
                break
            out, state = self.rnn.forward(self._inputs(drawn[None, t : t + 1]), state)  # (1, 1, H)
            h = out[0, -1]
        return drawn
