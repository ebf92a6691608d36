"""Optimizers that update parameter arrays in place, with torch.optim's exact formulas.

    opt = Adam(model.params, model.grads, lr=1e-3)
    model.zero_grad(); loss = ...; model.backward(...)
    clip_grad_norm(model.grads, max_norm=1.0)
    opt.step()

``params`` and ``grads`` are dicts of the live arrays (a Module's ``params`` and
``grads``), with the same keys and shapes.
"""

from __future__ import annotations

import math

import numpy as np


def _check_pairs(params: dict, grads: dict, where: str) -> None:
    if set(params) != set(grads):
        raise ValueError(
            f"{where}: params and grads must have the same keys, "
            f"got {sorted(set(params) ^ set(grads))} in only one of them"
        )
    for name, p in params.items():
        if grads[name].shape != p.shape:
            raise ValueError(f"{where}: grad {name} shape {grads[name].shape} != param {p.shape}")


def _check_nonneg(value, name: str, where: str, upper: float | None = None) -> float:
    value = float(value)
    if not (value >= 0.0) or (upper is not None and not value < upper):
        bound = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{where}: {name} must be {bound}, got {value}")
    return value


class Optimizer:
    """Holds the live ``params`` / ``grads`` dicts; subclasses define ``step``."""

    def __init__(self, params: dict, grads: dict, lr: float, where: str):
        _check_pairs(params, grads, where)
        self.params, self.grads = dict(params), dict(grads)
        self.lr = _check_nonneg(lr, "lr", where)

    def zero_grad(self) -> None:
        for g in self.grads.values():
            g.fill(0)


class SGD(Optimizer):
    """torch.optim.SGD (no dampening, no Nesterov): with momentum mu,
    b <- g on the first step, then b <- mu b + g; p <- p - lr b."""

    def __init__(self, params, grads, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, grads, lr, "SGD")
        self.momentum = _check_nonneg(momentum, "momentum", "SGD")
        self.weight_decay = _check_nonneg(weight_decay, "weight_decay", "SGD")
        self.buf: dict[str, np.ndarray] = {}  # name -> momentum buffer b

    def step(self) -> None:
        for name, p in self.params.items():
            g = self.grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p  # L2 penalty's gradient
            if self.momentum:
                if name not in self.buf:
                    self.buf[name] = g.copy()
                else:
                    self.buf[name] *= self.momentum
                    self.buf[name] += g
                g = self.buf[name]
            p -= self.lr * g


class Adam(Optimizer):
    """torch.optim.Adam: m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2;
    p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    def __init__(self, params, grads, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, grads, lr, "Adam")
        self.beta1 = _check_nonneg(betas[0], "betas[0]", "Adam", upper=1.0)
        self.beta2 = _check_nonneg(betas[1], "betas[1]", "Adam", upper=1.0)
        self.eps = _check_nonneg(eps, "eps", "Adam")
        self.weight_decay = _check_nonneg(weight_decay, "weight_decay", "Adam")
        self.t = 0  # steps taken
        self.m = {k: np.zeros_like(p) for k, p in self.params.items()}  # first moment
        self.v = {k: np.zeros_like(p) for k, p in self.params.items()}  # second moment

    def step(self) -> None:
        self.t += 1
        bias_correction1 = 1 - self.beta1**self.t
        bias_correction2_sqrt = math.sqrt(1 - self.beta2**self.t)
        step_size = self.lr / bias_correction1
        for name, p in self.params.items():
            g = self.grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p  # L2 penalty's gradient, as torch's Adam
            m, v = self.m[name], self.v[name]
            m += (1 - self.beta1) * (g - m)  # m <- b1 m + (1-b1) g, as torch's lerp_
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            denom = np.sqrt(v) / bias_correction2_sqrt + self.eps
            p -= step_size * (m / denom)


def clip_grad_norm(grads, max_norm: float) -> float:
    """Scale every gradient in place by min(1, max_norm / (norm + 1e-6)), as
    torch.nn.utils.clip_grad_norm_; returns the global L2 norm before clipping.

    grads: a dict name -> ndarray (a Module's ``grads``) or an iterable of ndarrays."""
    max_norm = float(max_norm)
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))
    clip_coef = max_norm / (norm + 1e-6)
    if clip_coef < 1.0:
        for g in arrays:
            g *= clip_coef
    return norm
