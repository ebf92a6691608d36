"""Seq2Seq: an encoder-decoder with teacher forcing and optional additive attention.

    k_1..k_S, state_S = Enc(E_src[x_1..x_S])            encoder outputs (B, S, H)
    s_1..s_T          = Dec(E_tgt[y_0..y_{T-1}], state_S) decoder states  (B, T, H)
    without attention:  logits_t = W_out s_t + b_out                       (B, T, V_tgt)
    with attention:     e_{t,j}  = v^T tanh(W_q s_t + W_k k_j)
                        a_{t,j}  = softmax_j(e_{t,j}) over real source positions j
                        c_t      = sum_j a_{t,j} k_j
                        logits_t = W_out [s_t ; c_t] + b_out

The whole source passes through the one fixed-size state_S (the bottleneck)
unless attention lets every step look back at all of k_1..k_S. Attention
reads the current decoder state s_t and feeds its context to the output layer
(Luong's placement with Bahdanau's additive score), so teacher forcing runs
the decoder over all T steps in one call.

Padding: pad sources on the LEFT and pass ``src_mask`` (True at real tokens),
so that the encoder's last step, whose state starts the decoder, is a real
token; attention gives masked positions weight 0.

Letters: B batch, S source length, T target length, E embedding, H hidden, V vocab.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.checks import as_ids, positive_int
from rnnlab.nn.embedding import Embedding
from rnnlab.nn.linear import Linear
from rnnlab.nn.models.attention import AdditiveAttention
from rnnlab.nn.models.common import child_seeds, copy_state, make_recurrent
from rnnlab.nn.module import Module


class Seq2Seq(Module):
    """Children: ``src_embedding``, ``encoder``, ``tgt_embedding``, ``decoder``,
    ``attention`` (when attention=True), ``linear``."""

    def __init__(self, src_vocab: int, tgt_vocab: int, hidden_size: int, cell: str = "gru",
                 attention: bool = False, embedding_dim: int | None = None, num_layers: int = 1,
                 attention_size: int | None = None, dtype=np.float32, seed: int = 0):
        super().__init__()
        self.src_vocab, self.tgt_vocab, self.hidden_size = src_vocab, tgt_vocab, hidden_size
        self.cell, self.attention, self.num_layers = cell, bool(attention), num_layers
        self.embedding_dim = E = hidden_size if embedding_dim is None else embedding_dim
        self.attention_size = hidden_size if attention_size is None else attention_size
        self.dtype = np.dtype(dtype)
        s = child_seeds(seed, 6)
        self.src_embedding = self.children["src_embedding"] = Embedding(src_vocab, E, dtype, s[0])
        self.encoder = self.children["encoder"] = make_recurrent(cell, E, hidden_size, num_layers, "tanh", dtype, s[1])
        self.tgt_embedding = self.children["tgt_embedding"] = Embedding(tgt_vocab, E, dtype, s[2])
        self.decoder = self.children["decoder"] = make_recurrent(cell, E, hidden_size, num_layers, "tanh", dtype, s[3])
        self.attn = None
        if self.attention:
            self.attn = self.children["attention"] = AdditiveAttention(
                hidden_size, hidden_size, self.attention_size, dtype, s[4])
        out_in = 2 * hidden_size if self.attention else hidden_size
        self.linear = self.children["linear"] = Linear(out_in, tgt_vocab, dtype, s[5])
        self.context = None  # state_S of the last pass: the encoder's summary of the source
        self.attention_weights = None  # a (B, T, S) of the last pass (attention only)

    def _mask(self, src, src_mask) -> np.ndarray:
        B, S = src.shape
        if src_mask is None:
            return np.ones((B, S), dtype=bool)
        mask = np.asarray(src_mask)
        if mask.shape != (B, S) or mask.dtype != np.bool_:
            raise ValueError(f"Seq2Seq: expected src_mask bool ({B}, {S}), got {mask.dtype} {mask.shape}")
        if not mask[:, -1].all():
            raise ValueError("Seq2Seq: every source must end with a real token (pad on the left)")
        return mask

    def _encode(self, src, src_mask):
        src = as_ids(src, self.src_vocab, "Seq2Seq src", ndim=2)
        mask = self._mask(src, src_mask)
        keys, state = self.encoder.forward(self.src_embedding.forward(src))  # (B, S, H)
        self.context = copy_state(state)
        return keys, state, mask

    def _decode(self, tgt_in, state, keys, mask):
        """tgt_in ids (B, T) -> logits (B, T, V), decoder state after step T."""
        s, state = self.decoder.forward(self.tgt_embedding.forward(tgt_in), state)  # (B, T, H)
        if self.attn is None:
            return self.linear.forward(s), state
        c = self.attn.forward(s, keys, mask)  # (B, T, H)
        self.attention_weights = self.attn.weights
        return self.linear.forward(np.concatenate([s, c], axis=-1)), state  # (B, T, V)

    def forward(self, src, tgt_in, src_mask=None) -> np.ndarray:
        """src ids (B, S), tgt_in ids (B, T) (targets shifted right, starting with BOS),
        src_mask bool (B, S) or None -> logits (B, T, V_tgt)."""
        tgt_in = as_ids(tgt_in, self.tgt_vocab, "Seq2Seq tgt_in", ndim=2)
        if tgt_in.shape[0] != np.shape(src)[0]:
            raise ValueError(f"Seq2Seq: src and tgt_in batch sizes differ: {np.shape(src)} vs {tgt_in.shape}")
        keys, state, mask = self._encode(src, src_mask)
        logits, _ = self._decode(tgt_in, state, keys, mask)
        return logits

    def backward(self, dlogits) -> None:
        """dlogits (B, T, V_tgt): adds into every parameter's gradient."""
        d = self.linear.backward(dlogits)  # (B, T, H) or (B, T, 2H)
        dkeys = None
        if self.attn is not None:
            H = self.hidden_size
            ds, dc = d[..., :H], d[..., H:]  # split [s_t ; c_t]
            dq, dkeys = self.attn.backward(dc)
            d = ds + dq  # s_t feeds both the output layer and the query
        demb, dstate = self.decoder.backward(d)
        self.tgt_embedding.backward(demb)
        demb, _ = self.encoder.backward(dkeys, dstate)  # the context's gradient enters at state_S
        self.src_embedding.backward(demb)

    def greedy_decode(self, src, bos_id: int, eos_id: int, max_len: int, src_mask=None):
        """Feed back the most likely token at every step until every row has emitted
        eos_id or max_len steps -> (ids int64 (B, T'), attention weights (B, T', S) or None).
        After a row's eos_id the row is filled with eos_id. Overwrites the layers' traces."""
        bos_id = as_ids(bos_id, self.tgt_vocab, "Seq2Seq bos_id").item()
        eos_id = as_ids(eos_id, self.tgt_vocab, "Seq2Seq eos_id").item()
        max_len = positive_int(max_len, "Seq2Seq max_len")
        keys, state, mask = self._encode(src, src_mask)
        B = keys.shape[0]
        y = np.full((B, 1), bos_id, dtype=np.int64)  # (B, 1)
        ids, weights = [], []
        done = np.zeros(B, dtype=bool)
        for _ in range(max_len):
            logits, state = self._decode(y, state, keys, mask)  # (B, 1, V)
            y = np.where(done, eos_id, logits[:, 0].argmax(axis=-1))[:, None]  # (B, 1)
            ids.append(y[:, 0])
            if self.attn is not None:
                weights.append(self.attention_weights[:, 0])  # (B, S)
            done |= y[:, 0] == eos_id
            if done.all():
                break
        self.attention_weights = np.stack(weights, axis=1) if weights else None  # (B, T', S)
        return np.stack(ids, axis=1), self.attention_weights
