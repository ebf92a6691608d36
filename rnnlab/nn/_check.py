"""Input checks for the recurrent layers. Each raises ValueError saying what was
expected and what was given. Shape letters: L layers, B batch, T time, I input, H hidden.
"""

from __future__ import annotations

import numpy as np


def positive_int(value, name: str) -> int:
    """value as an int >= 1 (bools and floats rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
    return int(value)


def float_dtype(dtype) -> np.dtype:
    """np.float32 or np.float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}") from err
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dt}")
    return dt


def finite_array(a, dtype: np.dtype, name: str) -> np.ndarray:
    """a as an ndarray of dtype (cast if needed), real-valued and free of NaN and inf."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    # one fast reduction first; only when it is not finite look element by element
    if not np.isfinite(arr.sum(dtype=np.float64)) and not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf")
    return arr


def sequence(x, input_size: int, dtype: np.dtype, name: str = "x") -> np.ndarray:
    """x checked as (B, T, I) with I = input_size, B >= 1 and T >= 1."""
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"{name}: expected shape (B, T, {input_size}) (batch first), "
                         f"got shape {arr.shape}")
    if arr.shape[2] != input_size:
        raise ValueError(f"{name}: expected input size {input_size} in shape (B, T, {input_size}), "
                         f"got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name}: expected at least one sequence and one step, got shape {arr.shape}")
    return finite_array(arr, dtype, name)


def state(value, n_parts: int, shape: tuple, dtype: np.dtype, name: str = "state") -> tuple:
    """A recurrent state as a tuple of n_parts arrays of ``shape`` (L, B, H).
    n_parts == 1: a single array h (not a tuple); n_parts == 2: a pair (h, c)."""
    if n_parts == 1:
        if isinstance(value, tuple):
            raise ValueError(f"{name}: expected a single array h of shape {shape}, "
                             f"got a tuple of {len(value)}")
        parts = (value,)
        labels = ("h",)
    else:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            what = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list)) \
                else f"a {type(value).__name__}"
            raise ValueError(f"{name}: expected a pair (h, c), each of shape {shape}, got {what}")
        parts = tuple(value)
        labels = ("h", "c")
    out = []
    for label, part in zip(labels, parts):
        arr = np.asarray(part)
        if arr.shape != shape:
            raise ValueError(f"{name}: expected {label} of shape {shape} (num_layers, B, hidden_size), "
                             f"got shape {arr.shape}")
        out.append(finite_array(arr, dtype, f"{name} {label}"))
    return tuple(out)
