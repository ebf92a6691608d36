"""Input checks shared by the engine's public entry points.

Each raises ValueError saying what was expected and what was given.
"""

from __future__ import annotations

import numpy as np


def as_float_array(x, dtype, where: str, last_dim: int | None = None, ndim=None) -> np.ndarray:
    """x as an ndarray of ``dtype``; checks rank, last dimension and finiteness."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiu" or x.dtype == np.bool_:
        raise ValueError(f"{where}: expected a float array, got dtype {x.dtype}")
    if ndim is not None and x.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{where}: expected an array of rank {ndim}, got shape {x.shape}")
    if x.ndim == 0:
        raise ValueError(f"{where}: expected an array of rank >= 1, got a scalar")
    if last_dim is not None and x.shape[-1] != last_dim:
        raise ValueError(f"{where}: expected last dimension {last_dim}, got shape {x.shape}")
    x = x.astype(dtype, copy=False)
    if not np.isfinite(x.sum(dtype=np.float64)) and not np.isfinite(x).all():
        raise ValueError(f"{where}: input contains NaN or inf")
    return x


def as_ids(ids, n: int, where: str, ndim=None) -> np.ndarray:
    """ids as an integer ndarray with every entry in [0, n)."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"{where}: expected integer ids, got dtype {ids.dtype}")
    if ndim is not None and ids.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{where}: expected ids of rank {ndim}, got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise ValueError(
            f"{where}: ids must lie in [0, {n}), got values in [{ids.min()}, {ids.max()}]"
        )
    return ids


def positive_int(value, name: str, minimum: int = 1) -> int:
    """value as an int >= minimum (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)
