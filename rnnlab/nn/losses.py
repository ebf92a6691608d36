"""Losses. Each returns ``(loss, grad)``: a float and dL/d(input) of the input's shape.

Letters: N examples, B batch, T time, C classes.
"""

from __future__ import annotations

import numpy as np

from rnnlab.nn.checks import as_float_array


def _float_dtype(a) -> np.dtype:
    """a's dtype if it is a float type, else float64."""
    dtype = np.asarray(a).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the max so exp never overflows."""
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """softmax over the last axis (numerically stable)."""
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits, targets, ignore_index: int = -100) -> tuple[float, np.ndarray]:
    """Mean of -log softmax(logits)[target] over the targets that are not ``ignore_index``.

    logits (N, C) or (B, T, C); targets int (N,) or (B, T) in [0, C) or == ignore_index.
    Returns (loss, dlogits) with dlogits = (softmax - onehot) / n_kept, zero on ignored rows.
    When every target is ignored the loss is 0.0 and the gradient zero (torch returns nan).
    """
    logits = as_float_array(logits, _float_dtype(logits), "softmax_cross_entropy logits", ndim=(2, 3))
    targets = np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise ValueError(f"softmax_cross_entropy: expected integer targets, got dtype {targets.dtype}")
    if targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"softmax_cross_entropy: targets shape {targets.shape} must be logits shape "
            f"{logits.shape} without its last (class) axis, i.e. {logits.shape[:-1]}"
        )
    C = logits.shape[-1]
    keep = targets != ignore_index  # (N...) bool
    kept = targets[keep]
    if kept.size and (kept.min() < 0 or kept.max() >= C):
        raise ValueError(
            f"softmax_cross_entropy: targets must lie in [0, {C}) or equal ignore_index "
            f"{ignore_index}, got values in [{kept.min()}, {kept.max()}]"
        )
    n_kept = int(keep.sum())
    if n_kept == 0:
        return 0.0, np.zeros_like(logits)
    logp = log_softmax(logits).reshape(-1, C)  # (N, C)
    t = np.where(keep, targets, 0).reshape(-1)  # (N,) ignored rows point at class 0, then masked
    k = keep.reshape(-1)  # (N,)
    rows = np.arange(t.size)
    loss = -float(logp[rows[k], t[k]].sum()) / n_kept
    dlogits = np.exp(logp)  # softmax, (N, C)
    dlogits[rows, t] -= 1  # softmax - onehot
    dlogits *= k[:, None] / n_kept  # ignored rows get no gradient
    dlogits = dlogits.reshape(logits.shape)  # (N..., C)
    return loss, dlogits.astype(logits.dtype, copy=False)


def mse(pred, target) -> tuple[float, np.ndarray]:
    """Mean squared error over every element; pred and target of the same shape.

    Returns (loss, dpred) with dpred = 2 (pred - target) / pred.size.
    """
    pred = as_float_array(pred, _float_dtype(pred), "mse pred")
    target = as_float_array(target, pred.dtype, "mse target")
    if pred.shape != target.shape:
        raise ValueError(f"mse: pred shape {pred.shape} and target shape {target.shape} differ")
    diff = pred - target
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff
