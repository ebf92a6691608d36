"""Numeric gradient checking (central differences, float64).

    loss = lambda: model_loss()           # reads the arrays below, returns a float
    report = gradcheck(loss, {"W_hh": W_hh, "x": x}, {"W_hh": dW_hh, "x": dx})
    assert report.ok, report

The arrays are perturbed in place and restored, so pass the live parameter
arrays the loss function reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


def numeric_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dL/dx by central differences; ``f`` must read ``x`` (perturbed in place, then restored)."""
    if x.dtype != np.float64:
        raise ValueError(f"numeric_grad needs float64 arrays, got {x.dtype}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest elementwise |a - b| / (|a| + |b|), each denominator at least 1e-12; 0 for
    empty arrays."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    denom = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / denom)) if a.size else 0.0


@dataclass
class GradcheckReport:
    errors: dict[str, float] = field(default_factory=dict)  # name -> relative error
    tol: float = 1e-6

    @property
    def ok(self) -> bool:
        return all(e <= self.tol for e in self.errors.values())

    def __str__(self) -> str:
        rows = ", ".join(f"{k}: {v:.2e}" for k, v in self.errors.items())
        return f"gradcheck {'ok' if self.ok else 'FAILED'} (tol {self.tol:.0e}): {rows}"


def gradcheck(
    f: Callable[[], float],
    arrays: dict[str, np.ndarray],
    analytic: dict[str, np.ndarray],
    eps: float = 1e-6,
    tol: float = 1e-6,
) -> GradcheckReport:
    """Compare analytic gradients with central differences for every named array.

    The relative error per array is ``max|a - n| / (max|a| + max|n|)``, the largest
    difference against the largest entries (robust to tiny entries): 1e-6 means about six
    matching digits on the array's largest entries."""
    report = GradcheckReport(tol=tol)
    for name, x in arrays.items():
        num = numeric_grad(f, x, eps)
        ana = np.asarray(analytic[name], np.float64)
        if ana.shape != num.shape:
            raise ValueError(f"gradcheck: {name} analytic shape {ana.shape} != {num.shape}")
        scale = max(np.max(np.abs(num)) + np.max(np.abs(ana)), 1e-12) if num.size else 1.0
        report.errors[name] = float(np.max(np.abs(num - ana)) / scale) if num.size else 0.0
    return report
