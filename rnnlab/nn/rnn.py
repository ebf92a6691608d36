"""The vanilla (Elman) RNN cell, the reference: one step forward and backward, and the
sequence functions that loop over them.

Letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
    h_t = f(a_t)                  f = tanh | relu | identity ("linear")

Backward, for dh = dL/dh_t (the total: from the output at t and from step t+1):

    da = dh * f'(a_t)             dh_{t-1} = W_hh^T da        dx_t = W_ih^T da
    dW_ih += da x_t^T             dW_hh += da h_{t-1}^T        db_ih, db_hh += da

The activations live here too, ``sigmoid`` for the gated cells (lstm.py, gru.py).

Arrays hold one row per sequence, as torch's do: x_t is (B, I), h_t is (B, H),
so W_ih x_t is ``x_t @ W_ih.T``. Weights have torch's names and shapes. The
layers (``nn.RNN(impl="reference")``) run these functions; ``nn.fast.rnn`` is
the same maths arranged for speed, held equal to this by
tests/nn/test_impl_parity.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONLINEARITIES = ("tanh", "relu", "linear")


def sigmoid(a):
    """1 / (1 + exp(-a)). For a far below 0, exp(-a) overflows to inf and sigmoid is 0, as it should be."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def activation(a, nonlinearity):
    """f(a): tanh, relu or the identity ("linear")."""
    if nonlinearity == "tanh":
        return np.tanh(a)
    if nonlinearity == "relu":
        return np.maximum(a, 0)
    return a.copy()


def activation_grad(h, nonlinearity):
    """f'(a), written with h = f(a): 1 - h^2 for tanh, [h > 0] for relu, 1 for the identity."""
    if nonlinearity == "tanh":
        return 1 - h**2
    if nonlinearity == "relu":
        return (h > 0).astype(h.dtype)
    return np.ones_like(h)


# --- one step ---------------------------------------------------------------------


@dataclass
class RNNStepCache:
    """One step's forward values, which its backward needs."""

    x_t: np.ndarray  # (B, I)
    h_prev: np.ndarray  # (B, H) h_{t-1}
    h: np.ndarray  # (B, H) h_t = f(a_t)
    W_ih: np.ndarray  # (H, I)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


@dataclass
class RNNStepGrads:
    dx: np.ndarray  # (B, I) dL/dx_t
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step
    dW_ih: np.ndarray  # (H, I)
    dW_hh: np.ndarray  # (H, H)
    db_ih: np.ndarray  # (H,)
    db_hh: np.ndarray  # (H,)


def rnn_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, nonlinearity="tanh"):
    """x_t (B, I), h_prev (B, H), W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,).
    Returns (h (B, H), cache)."""
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, H) a_t
    h = activation(a, nonlinearity)  # h_t = f(a_t)
    return h, RNNStepCache(x_t, h_prev, h, W_ih, W_hh, nonlinearity)


def rnn_step_backward(dh, cache: RNNStepCache) -> RNNStepGrads:
    """dh (B, H): the total dL/dh_t. Returns this step's gradients."""
    x_t, h_prev, h = cache.x_t, cache.h_prev, cache.h
    da = dh * activation_grad(h, cache.nonlinearity)  # backprop through f
    dx = da @ cache.W_ih  # backprop through W_ih x_t
    dh_prev = da @ cache.W_hh  # backprop through W_hh h_{t-1}
    dW_ih = da.T @ x_t  # (H, I) the weights' share of this step
    dW_hh = da.T @ h_prev  # (H, H)
    db = da.sum(axis=0)  # (H,) both biases are added to a_t as they are
    return RNNStepGrads(dx, dh_prev, dW_ih, dW_hh, db, db.copy())


# --- a whole sequence -------------------------------------------------------------


@dataclass
class RNNCache:
    """Every step's cache, in order; the trace shows them."""

    steps: list[RNNStepCache]


@dataclass
class RNNGrads:
    dx: np.ndarray  # (B, T, I)
    dh0: np.ndarray  # (B, H) dL/d(initial state)
    dW_ih: np.ndarray  # (H, I)
    dW_hh: np.ndarray  # (H, H)
    db_ih: np.ndarray  # (H,)
    db_hh: np.ndarray  # (H,)
    dh: np.ndarray  # (B, T, H) total dL/dh_t: the output gradient at t plus what flows back from t+1


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity="tanh"):
    """x (B, T, I), h0 (B, H), weights as rnn_step_forward.
    Returns (out (B, T, H): every h_t, hT (B, H), cache)."""
    W_ih, W_hh = W_ih.copy(), W_hh.copy()  # this pass's own: backward differentiates the pass that ran
    h, steps = h0, []
    for t in range(x.shape[1]):
        h, cache_t = rnn_step_forward(x[:, t], h, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        steps.append(cache_t)
    out = np.stack([s.h for s in steps], axis=1)  # (B, T, H)
    return out, h.copy(), RNNCache(steps)  # a copy: the caller may change it, the cache keeps its own


def rnn_backward(dout, dhT, cache: RNNCache) -> RNNGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None (zeros)."""
    x_0, W_ih, W_hh = cache.steps[0].x_t, cache.steps[0].W_ih, cache.steps[0].W_hh
    (B, I), T, H = x_0.shape, len(cache.steps), W_hh.shape[0]
    dout = np.zeros((B, T, H), x_0.dtype) if dout is None else dout
    dh_next = np.zeros((B, H), x_0.dtype) if dhT is None else dhT  # dL/dh_t through step t+1
    dx, dh_all = np.empty((B, T, I), x_0.dtype), np.empty((B, T, H), x_0.dtype)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros(H, x_0.dtype), np.zeros(H, x_0.dtype)
    for t in reversed(range(T)):
        dh = dout[:, t] + dh_next  # the total dL/dh_t
        g = rnn_step_backward(dh, cache.steps[t])
        dx[:, t], dh_all[:, t], dh_next = g.dx, dh, g.dh_prev
        dW_ih += g.dW_ih  # the weights are shared by every step: their gradients add up
        dW_hh += g.dW_hh
        db_ih += g.db_ih
        db_hh += g.db_hh
    return RNNGrads(dx, dh_next, dW_ih, dW_hh, db_ih, db_hh, dh_all)


def rnn_trace(cache: RNNCache):
    """(h (B, T, H), c None, gates {}) of the pass, for the layer's trace."""
    return np.stack([s.h for s in cache.steps], axis=1), None, {}
