"""Embedding: a lookup table, row ``ids`` of ``weight``, as torch.nn.Embedding; and
``one_hot``, the fixed table an embedding replaces (row ``ids`` of the identity).

Letters: N any leading shape of the ids, V num_embeddings, D embedding_dim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.checks import as_ids, float_dtype, positive_int
from rnnlab.nn.module import Module


def one_hot(ids, V: int, dtype=np.float32) -> np.ndarray:
    """ids (N...) int in [0, V) -> (N..., V): 1 at each id, 0 elsewhere."""
    ids = as_ids(ids, V, "one_hot ids")
    return np.eye(V, dtype=dtype)[ids]


@dataclass(frozen=True)
class EmbeddingCache:
    ids: np.ndarray  # (N...) int, the ids looked up in the forward pass


def embedding_forward(ids, W) -> tuple[np.ndarray, EmbeddingCache]:
    """ids (N...) int, W (V, D) -> out (N..., D)."""
    return W[ids], EmbeddingCache(ids=ids)


def embedding_backward(dout, cache: EmbeddingCache, V: int) -> np.ndarray:
    """dout (N..., D) -> dW (V, D); a row used k times collects k gradients."""
    dW = np.zeros((V, dout.shape[-1]), dtype=dout.dtype)
    np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, dout.shape[-1]))  # (N, D) into rows
    return dW


class Embedding(Module):
    """``weight`` (V, D), initialised N(0, 1) as torch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=np.float32, seed: int = 0):
        super().__init__()
        self.num_embeddings = positive_int(num_embeddings, "Embedding num_embeddings")
        self.embedding_dim = positive_int(embedding_dim, "Embedding embedding_dim")
        self.dtype = dtype = float_dtype(dtype)
        rng = np.random.default_rng(seed)
        W = rng.standard_normal((self.num_embeddings, self.embedding_dim)).astype(dtype)
        self.weight = self.add_param("weight", W)
        self.cache: EmbeddingCache | None = None

    def forward(self, ids) -> np.ndarray:
        """ids (N...) int in [0, V) -> out (N..., D)."""
        ids = as_ids(ids, self.num_embeddings, "Embedding.forward ids")
        out, self.cache = embedding_forward(ids, self.weight)
        return out

    def backward(self, dout) -> None:
        """dout (N..., D): adds into the ``weight`` gradient. Ids have no gradient: returns None."""
        if self.cache is None:
            raise ValueError("Embedding.backward: call forward first")
        expected = self.cache.ids.shape + (self.embedding_dim,)
        dout = np.asarray(dout, self.dtype)
        if dout.shape != expected:
            raise ValueError(f"Embedding.backward: expected dout of shape {expected}, got {dout.shape}")
        self._grads["weight"] += embedding_backward(dout, self.cache, self.num_embeddings)
        return None
