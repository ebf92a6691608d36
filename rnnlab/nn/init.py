"""Initialisers. Each takes a ``numpy.random.Generator``; none touches global state.

- ``uniform_default``: torch's default for RNN/LSTM/GRU and Linear, U(-k, k)
  with k = 1/sqrt(fan), fan = hidden_size (recurrent layers) or in_features (Linear).
- ``orthogonal``: a (blocks of a) random orthogonal matrix (QR of a Gaussian).
- ``identity``: the IRNN initialisation (Le et al. 2015), W_hh = scale * I.
- ``set_spectral_radius``: rescale a square matrix so its largest |eigenvalue| is rho.
"""

from __future__ import annotations

import numpy as np


def uniform_default(shape, fan: int, rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """U(-1/sqrt(fan), 1/sqrt(fan)), torch's default for recurrent and linear layers."""
    k = 1.0 / np.sqrt(fan)
    return rng.uniform(-k, k, size=shape).astype(dtype)


def orthogonal(shape, rng: np.random.Generator, gain: float = 1.0, dtype=np.float32) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns, as torch.nn.init.orthogonal_.

    For stacked gate weights (G*H, H) pass each (H, H) block separately if every
    gate should be orthogonal on its own."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # make the decomposition unique (uniform over orthogonal matrices)
    if rows < cols:
        q = q.T
    return (gain * q[:rows, :cols]).astype(dtype)


def identity(n: int, scale: float = 1.0, dtype=np.float32) -> np.ndarray:
    """scale * I: the IRNN recurrent initialisation for a ReLU RNN."""
    return (scale * np.eye(n)).astype(dtype)


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
