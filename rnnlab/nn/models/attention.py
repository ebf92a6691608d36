"""Additive (Bahdanau) attention: how much each source position matters to query t.

    e_{t,s} = v^T tanh(W_q q_t + W_k k_s)          scores      (B, T, S)
    a_{t,s} = softmax over the unmasked s of e_{t,s}  weights   (B, T, S), 0 where masked
    c_t     = sum_s a_{t,s} k_s                      contexts    (B, T, K)

Letters: B batch, T queries (decoder steps), S keys (source positions),
Q query size, K key size, A attention size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.init import uniform_default
from rnnlab.nn.module import Module


@dataclass(frozen=True)
class AttentionCache:
    q: np.ndarray  # (B, T, Q) queries
    k: np.ndarray  # (B, S, K) keys (= the values averaged)
    z: np.ndarray  # (B, T, S, A) tanh(W_q q_t + W_k k_s)
    a: np.ndarray  # (B, T, S) attention weights


def attention_forward(q, k, mask, W_q, W_k, v) -> tuple[np.ndarray, AttentionCache]:
    """q (B, T, Q), k (B, S, K), mask bool (B, S) True where real, W_q (A, Q), W_k (A, K),
    v (A,) -> context (B, T, K)."""
    z = np.tanh((q @ W_q.T)[:, :, None, :] + (k @ W_k.T)[:, None, :, :])  # (B, T, S, A)
    e = z @ v  # (B, T, S) scores
    e = np.where(mask[:, None, :], e, -np.inf)  # masked positions get no weight
    a = np.exp(e - e.max(axis=-1, keepdims=True))
    a /= a.sum(axis=-1, keepdims=True)  # (B, T, S) softmax over s
    context = a @ k  # (B, T, K)
    return context, AttentionCache(q=q, k=k, z=z, a=a)


def attention_backward(dcontext, cache: AttentionCache, W_q, W_k, v):
    """dcontext (B, T, K) -> dq (B, T, Q), dk (B, S, K), dW_q (A, Q), dW_k (A, K), dv (A,)."""
    q, k, z, a = cache.q, cache.k, cache.z, cache.a
    da = dcontext @ k.transpose(0, 2, 1)  # (B, T, S) backprop through the weighted sum
    dk = a.transpose(0, 2, 1) @ dcontext  # (B, S, K) ... and into the values
    de = a * (da - (da * a).sum(axis=-1, keepdims=True))  # (B, T, S) backprop through softmax
    dv = np.einsum("bts,btsa->a", de, z)  # (A,)
    du = de[..., None] * v * (1 - z * z)  # (B, T, S, A) backprop through v^T and tanh
    dqp, dkp = du.sum(axis=2), du.sum(axis=1)  # (B, T, A), (B, S, A)
    dW_q = np.einsum("bta,btq->aq", dqp, q)  # (A, Q)
    dW_k = np.einsum("bsa,bsk->ak", dkp, k)  # (A, K)
    dq = dqp @ W_q  # (B, T, Q)
    dk += dkp @ W_k  # (B, S, K)
    return dq, dk, dW_q, dW_k, dv


class AdditiveAttention(Module):
    """Parameters ``W_q`` (A, Q), ``W_k`` (A, K), ``v`` (A,), each U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    ``weights`` holds a (B, T, S) of the last forward pass."""

    def __init__(self, query_size: int, key_size: int, attention_size: int,
                 dtype=np.float32, seed: int = 0):
        super().__init__()
        self.query_size, self.key_size, self.attention_size = query_size, key_size, attention_size
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.W_q = self.add_param("W_q", uniform_default((attention_size, query_size), query_size, rng, dtype))
        self.W_k = self.add_param("W_k", uniform_default((attention_size, key_size), key_size, rng, dtype))
        self.v = self.add_param("v", uniform_default((attention_size,), attention_size, rng, dtype))
        self.cache: AttentionCache | None = None

    @property
    def weights(self) -> np.ndarray | None:
        """a (B, T, S) of the last forward pass, or None before one."""
        return None if self.cache is None else self.cache.a

    def forward(self, q, k, mask=None) -> np.ndarray:
        """q (B, T, Q), k (B, S, K), mask bool (B, S) or None (all real) -> context (B, T, K)."""
        B, S = k.shape[0], k.shape[1]
        if q.ndim != 3 or k.ndim != 3 or q.shape[0] != B or q.shape[2] != self.query_size \
                or k.shape[2] != self.key_size:
            raise ValueError(f"AdditiveAttention: expected q (B, T, {self.query_size}) and "
                             f"k (B, S, {self.key_size}), got {q.shape} and {k.shape}")
        mask = np.ones((B, S), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if mask.shape != (B, S) or not mask.any(axis=1).all():
            raise ValueError(f"AdditiveAttention: expected mask ({B}, {S}) with a real position "
                             f"in every row, got shape {mask.shape}")
        context, self.cache = attention_forward(q, k, mask, self.W_q, self.W_k, self.v)
        return context

    def backward(self, dcontext) -> tuple[np.ndarray, np.ndarray]:
        """dcontext (B, T, K) -> (dq (B, T, Q), dk (B, S, K)); adds into ``grads``."""
        if self.cache is None:
            raise ValueError("AdditiveAttention.backward: call forward first")
        dq, dk, dW_q, dW_k, dv = attention_backward(dcontext, self.cache, self.W_q, self.W_k, self.v)
        self._grads["W_q"] += dW_q
        self._grads["W_k"] += dW_k
        self._grads["v"] += dv
        return dq, dk
