"""Linear: y = x W^T + b on the last axis, as torch.nn.Linear.

Letters: N any leading shape, I in_features, O out_features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.checks import as_float_array, float_dtype, positive_int
from rnnlab.nn.init import uniform_default
from rnnlab.nn.module import Module


@dataclass(frozen=True)
class LinearCache:
    x: np.ndarray  # (N..., I) the input of the forward pass


def linear_forward(x, W, b) -> tuple[np.ndarray, LinearCache]:
    """x (N..., I), W (O, I), b (O,) -> y (N..., O)."""
    y = x @ W.T + b
    return y, LinearCache(x=x)


def linear_backward(dy, cache: LinearCache, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dy (N..., O) -> dx (N..., I), dW (O, I), db (O,)."""
    x2 = cache.x.reshape(-1, W.shape[1])  # (N, I)
    dy2 = dy.reshape(-1, W.shape[0])  # (N, O)
    dx = dy @ W  # (N..., I)
    dW = dy2.T @ x2  # (O, I)
    db = dy2.sum(axis=0)  # (O,)
    return dx, dW, db


class Linear(Module):
    """``weight`` (O, I) and ``bias`` (O,), both U(-1/sqrt(I), 1/sqrt(I)) as torch."""

    def __init__(self, in_features: int, out_features: int, dtype=np.float32, seed: int = 0):
        super().__init__()
        self.in_features = positive_int(in_features, "Linear in_features")
        self.out_features = positive_int(out_features, "Linear out_features")
        self.dtype = dtype = float_dtype(dtype)
        rng = np.random.default_rng(seed)
        shape = (self.out_features, self.in_features)
        self.weight = self.add_param("weight", uniform_default(shape, self.in_features, rng, dtype))
        self.bias = self.add_param("bias", uniform_default(shape[:1], self.in_features, rng, dtype))
        self.cache: LinearCache | None = None

    def forward(self, x) -> np.ndarray:
        """x (N..., I) -> y (N..., O)."""
        x = as_float_array(x, self.dtype, "Linear.forward x", last_dim=self.in_features)
        y, self.cache = linear_forward(x, self.weight, self.bias)
        return y

    def backward(self, dy) -> np.ndarray:
        """dy (N..., O) -> dx (N..., I); adds dW, db into ``grads``."""
        if self.cache is None:
            raise ValueError("Linear.backward: call forward first")
        expected = self.cache.x.shape[:-1] + (self.out_features,)
        dy = np.asarray(dy, self.dtype)
        if dy.shape != expected:
            raise ValueError(f"Linear.backward: expected dy of shape {expected}, got {dy.shape}")
        dx, dW, db = linear_backward(dy, self.cache, self.weight)
        self._grads["weight"] += dW
        self._grads["bias"] += db
        return dx
