"""Initialisers and the spectral radius. Those that draw take a ``numpy.random.Generator``;
none touches global state.

- ``uniform_default``: torch's default for RNN/LSTM/GRU and Linear, U(-k, k)
  with k = 1/sqrt(fan), fan = hidden_size (recurrent layers) or in_features (Linear).
- ``set_spectral_radius``: rescale a square matrix so its largest |eigenvalue| is rho.
"""

from __future__ import annotations

import numpy as np


def uniform_default(shape, fan: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """U(-1/sqrt(fan), 1/sqrt(fan)), torch's default for recurrent and linear layers."""
    k = 1.0 / np.sqrt(fan)
    return rng.uniform(-k, k, size=shape).astype(dtype)


def spectral_radius(W: np.ndarray) -> float:
    """max |eigenvalue| of a square matrix."""
    return float(np.max(np.abs(np.linalg.eigvals(W.astype(np.float64)))))


def set_spectral_radius(W: np.ndarray, rho: float) -> np.ndarray:
    """Return W rescaled so that its spectral radius is rho (W must be square, non-zero)."""
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"set_spectral_radius: expected a square matrix, got shape {W.shape}")
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("set_spectral_radius: W has spectral radius 0 and cannot be rescaled")
    return (W * (rho / current)).astype(W.dtype)
