"""The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015).

Each step carries two channels: a value drawn from U[0, 1] and a marker that is
1 at exactly two steps, one in each half of the sequence, and 0 elsewhere. The
target is the sum of the two marked values. Predicting the mean sum, 1, whatever
the input, scores MSE = Var(u1 + u2) = 2/12 = 1/6: a model has learned
something only when it goes below that.

Letters: B batch, T time.
"""

from __future__ import annotations

import numpy as np


def _check(rng, batch: int, T: int) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"adding problem: expected a numpy Generator, got {type(rng).__name__}")
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"adding problem: batch must be an integer >= 1, got {batch!r}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 2:
        raise ValueError(f"adding problem: T must be an integer >= 2, got {T!r}")


def adding_batch(rng: np.random.Generator, batch: int, T: int,
                 dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """x (B, T, 2) with x[..., 0] the values and x[..., 1] the markers; y (B, 1) the sums.

    The first marker lies in steps [0, T//2), the second in [T//2, T)."""
    _check(rng, batch, T)
    values = rng.uniform(0.0, 1.0, size=(batch, T))  # (B, T)
    first = rng.integers(0, T // 2, size=batch)  # (B,)
    second = rng.integers(T // 2, T, size=batch)  # (B,)
    markers = np.zeros((batch, T))  # (B, T)
    rows = np.arange(batch)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)  # (B, T, 2)
    y = (values[rows, first] + values[rows, second])[:, None].astype(dtype)  # (B, 1)
    return x, y


def adding_baseline_mse(rng: np.random.Generator, T: int, batch: int = 20_000) -> float:
    """MSE of always predicting 1 (the mean target), estimated on a sampled batch;
    about 1/6 for any T."""
    _, y = adding_batch(rng, batch, T, dtype=np.float64)
    return float(np.mean((y - 1.0) ** 2))
