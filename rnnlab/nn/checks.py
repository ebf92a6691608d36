"""Input checks for the engine's public entry points (layers, models, losses).

Each raises ValueError saying what was expected and what was given.
Shape letters: L layers, B batch, T time, I input, H hidden.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def positive_int(value, name: str, minimum: int = 1) -> int:
    """value as an int >= minimum (bools and floats rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
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


def gate_override(value, gates: str = "ifo") -> dict[str, tuple[float, int]]:
    """Gate surgery {gate: (value, from_step)}, gate one of ``gates``, value in [0, 1],
    from_step an integer >= 0, as a new dict of (float, int); None means {}."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"gate_override: expected a dict {{gate: (value, from_step)}}, got {value!r}")
    allowed = ", ".join(repr(g) for g in gates)
    out = {}
    for gate, spec in value.items():
        if gate not in gates:
            raise ValueError(f"gate_override: expected gates among {allowed}, got {gate!r}")
        try:
            v, t0 = spec
        except (TypeError, ValueError):
            raise ValueError(f"gate_override[{gate!r}]: expected (value, from_step), got {spec!r}") from None
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not 0 <= v <= 1:
            raise ValueError(f"gate_override[{gate!r}]: expected a value in [0, 1], got {v!r}")
        if isinstance(t0, bool) or not isinstance(t0, (int, np.integer)) or t0 < 0:
            raise ValueError(f"gate_override[{gate!r}]: expected from_step an integer >= 0, got {t0!r}")
        out[gate] = (float(v), int(t0))
    return out
