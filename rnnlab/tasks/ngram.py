"""N-gram baselines for a character model: validation loss in nats per character.

For order n the probability of the next character c after the context u
(the n − 1 characters before it) is the add-α estimate from the training part

    P(c | u) = (count(u c) + α) / (count(u) + α V)

and the baseline is the mean of −ln P over the validation characters. Order 0
is the uniform model, ln V. Counts come from n-grams lying wholly in the
training part; a validation character's context may reach back into the
training text just before it (the split is one cut through the text).
``positions`` scores only some validation characters (the ones a model is
scored on), with the same counts.

Letters: N characters, V vocabulary size.
"""

from __future__ import annotations

import numpy as np

NAMES = {0: "uniform", 1: "unigram", 2: "bigram", 3: "trigram", 4: "4-gram"}


def _keys(ids: np.ndarray, n: int, V: int) -> np.ndarray:
    """int64 (N − n + 1,): each window of n ids read as one base-V number."""
    key = np.zeros(len(ids) - n + 1, dtype=np.int64)
    for k in range(n):
        key = key * V + ids[k: len(ids) - n + 1 + k]
    return key


def _count(table: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """How often each query key occurs in the sorted ``table`` (int64 (Q,))."""
    return np.searchsorted(table, queries, side="right") - np.searchsorted(table, queries, side="left")


def ngram_loss(ids, split: int, V: int, n: int, alpha: float = 0.1, positions=None) -> float:
    """Mean −ln P(ids[j] | the n − 1 before it) over the scored positions j (int array, each
    ≥ split; default: every j ≥ split), counts from ids[:split]."""
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or not 0 < split < len(ids):
        raise ValueError(f"ngram_loss: expected 1-D ids and 0 < split < {len(ids)}, got shape {ids.shape}, split {split}")
    if ids.min() < 0 or ids.max() >= V:
        raise ValueError(f"ngram_loss: ids must lie in [0, {V})")
    if not (isinstance(n, int) and 0 <= n <= 6):
        raise ValueError(f"ngram_loss: order n must be an int in [0, 6], got {n!r}")
    if not alpha > 0:
        raise ValueError(f"ngram_loss: alpha must be > 0, got {alpha}")
    j = np.arange(split, len(ids)) if positions is None else np.asarray(positions, dtype=np.int64).ravel()
    if j.size == 0 or j.min() < split or j.max() >= len(ids):
        raise ValueError(f"ngram_loss: positions must be a non-empty set in [{split}, {len(ids)})")
    if n == 0:
        return float(np.log(V))
    if split < n:
        raise ValueError(f"ngram_loss: the training part ({split} characters) is shorter than the order {n}")
    train = ids[:split]
    grams = np.sort(_keys(train, n, V))
    windows = np.zeros(j.size, dtype=np.int64)  # (M,), the n-gram ending at each scored character
    for k in range(n - 1, -1, -1):
        windows = windows * V + ids[j - k]
    num = _count(grams, windows) + alpha
    if n == 1:
        den = np.full(j.size, split + alpha * V, dtype=np.float64)
    else:
        contexts = np.sort(_keys(train[:-1], n - 1, V))  # contexts that a training character follows
        den = _count(contexts, windows // V) + alpha * V
    return float(np.mean(np.log(den) - np.log(num)))


def baselines(ids, V: int, split: int, alpha: float = 0.1, max_order: int = 4, positions=None) -> dict[str, float]:
    """{"uniform": ln V, "unigram": …, …, "4-gram": …} on the same split and scored positions."""
    return {NAMES[n]: ngram_loss(ids, split, V, n, alpha, positions) for n in range(max_order + 1)}
