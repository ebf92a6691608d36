"""The GRU cell, the reference: one step forward and backward, and the sequence
functions that loop over them.

Letters: B batch, T time, I input size, H hidden size.

    xw = W_ih x_t + b_ih          hw = W_hh h_{t-1} + b_hh     three blocks, torch's order r, z, n
    r = sigmoid(xw_r + hw_r)      reset gate
    z = sigmoid(xw_z + hw_z)      update gate
    n = tanh(xw_n + r * hw_n)     candidate (torch's form: r multiplies W_hn h_{t-1} + b_hn)
    h_t = (1 - z) * n + z * h_{t-1}

Backward, for dh = dL/dh_t (the total):

    da_n = dh * (1 - z) * (1 - n^2)      da_z = dh * (h_{t-1} - n) * z (1 - z)
    da_r = da_n * hw_n * r (1 - r)
    dxw = [da_r, da_z, da_n]             dhw = [da_r, da_z, r * da_n]
    dh_{t-1} = z * dh + W_hh^T dhw       dx_t = W_ih^T dxw

Arrays hold one row per sequence, as torch's do (x_t (B, I), h_t (B, H); W_ih x_t
is ``x_t @ W_ih.T``). ``nn.fast.gru`` is the same maths arranged for speed, held
equal to this by tests/nn/test_impl_parity.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.rnn import sigmoid

# --- one step ---------------------------------------------------------------------


@dataclass
class GRUStepCache:
    """One step's forward values, which its backward needs."""

    x_t: np.ndarray  # (B, I)
    h_prev: np.ndarray  # (B, H) h_{t-1}
    r: np.ndarray  # (B, H) gate activations
    z: np.ndarray  # (B, H)
    n: np.ndarray  # (B, H)
    hw_n: np.ndarray  # (B, H) W_hn h_{t-1} + b_hn, which r multiplies
    h: np.ndarray  # (B, H) h_t
    W_ih: np.ndarray  # (3H, I)
    W_hh: np.ndarray  # (3H, H)


@dataclass
class GRUStepGrads:
    dx: np.ndarray  # (B, I) dL/dx_t
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step
    dW_ih: np.ndarray  # (3H, I)
    dW_hh: np.ndarray  # (3H, H)
    db_ih: np.ndarray  # (3H,)
    db_hh: np.ndarray  # (3H,)


def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """x_t (B, I), h_prev (B, H), W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,).
    Returns (h (B, H), cache)."""
    xw_r, xw_z, xw_n = np.split(x_t @ W_ih.T + b_ih, 3, axis=1)  # (B, H) each: W_ih x_t + b_ih
    hw_r, hw_z, hw_n = np.split(h_prev @ W_hh.T + b_hh, 3, axis=1)  # (B, H) each: W_hh h_{t-1} + b_hh
    r = sigmoid(xw_r + hw_r)
    z = sigmoid(xw_z + hw_z)
    n = np.tanh(xw_n + r * hw_n)
    h = (1 - z) * n + z * h_prev
    return h, GRUStepCache(x_t, h_prev, r, z, n, hw_n, h, W_ih, W_hh)


def gru_step_backward(dh, cache: GRUStepCache) -> GRUStepGrads:
    """dh (B, H): the total dL/dh_t. Returns this step's gradients."""
    x_t, h_prev, r, z, n, hw_n = cache.x_t, cache.h_prev, cache.r, cache.z, cache.n, cache.hw_n
    dn = dh * (1 - z)  # backprop through h = (1 - z) * n + z * h_prev into n
    dz = dh * (h_prev - n)  # ... into z
    dh_prev = dh * z  # ... into h_prev (the direct path)
    da_n = dn * (1 - n**2)  # backprop through tanh
    dr = da_n * hw_n  # backprop through r * hw_n into r
    dhw_n = da_n * r  # ... into hw_n
    da_z = dz * z * (1 - z)  # backprop through sigmoid
    da_r = dr * r * (1 - r)  # backprop through sigmoid
    dxw = np.concatenate([da_r, da_z, da_n], axis=1)  # (B, 3H) dL/d(W_ih x_t + b_ih)
    dhw = np.concatenate([da_r, da_z, dhw_n], axis=1)  # (B, 3H) dL/d(W_hh h_{t-1} + b_hh)
    dx = dxw @ cache.W_ih  # backprop through W_ih x_t
    dh_prev = dh_prev + dhw @ cache.W_hh  # plus backprop through W_hh h_{t-1}
    dW_ih = dxw.T @ x_t  # (3H, I) the weights' share of this step
    dW_hh = dhw.T @ h_prev  # (3H, H)
    return GRUStepGrads(dx, dh_prev, dW_ih, dW_hh, dxw.sum(axis=0), dhw.sum(axis=0))


# --- a whole sequence -------------------------------------------------------------


@dataclass
class GRUCache:
    """Every step's cache, in order; the trace shows them."""

    steps: list[GRUStepCache]


@dataclass
class GRUGrads:
    dx: np.ndarray  # (B, T, I)
    dh0: np.ndarray  # (B, H) dL/d(initial state)
    dW_ih: np.ndarray  # (3H, I)
    dW_hh: np.ndarray  # (3H, H)
    db_ih: np.ndarray  # (3H,)
    db_hh: np.ndarray  # (3H,)
    dh: np.ndarray  # (B, T, H) total dL/dh_t: the output gradient at t plus what flows back from t+1


def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """x (B, T, I), h0 (B, H), weights as gru_step_forward.
    Returns (out (B, T, H): every h_t, hT (B, H), cache)."""
    W_ih, W_hh = W_ih.copy(), W_hh.copy()  # this pass's own: backward differentiates the pass that ran
    h, steps = h0, []
    for t in range(x.shape[1]):
        h, cache_t = gru_step_forward(x[:, t], h, W_ih, W_hh, b_ih, b_hh)
        steps.append(cache_t)
    out = np.stack([s.h for s in steps], axis=1)  # (B, T, H)
    return out, h.copy(), GRUCache(steps)  # a copy: the caller may change it, the cache keeps its own


def gru_backward(dout, dhT, cache: GRUCache) -> GRUGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None (zeros)."""
    x_0, W_ih, W_hh = cache.steps[0].x_t, cache.steps[0].W_ih, cache.steps[0].W_hh
    (B, I), T, H = x_0.shape, len(cache.steps), W_hh.shape[1]
    dout = np.zeros((B, T, H), x_0.dtype) if dout is None else dout
    dh_next = np.zeros((B, H), x_0.dtype) if dhT is None else dhT  # dL/dh_t through step t+1
    dx, dh_all = np.empty((B, T, I), x_0.dtype), np.empty((B, T, H), x_0.dtype)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros(3 * H, x_0.dtype), np.zeros(3 * H, x_0.dtype)
    for t in reversed(range(T)):
        dh = dout[:, t] + dh_next  # the total dL/dh_t
        g = gru_step_backward(dh, cache.steps[t])
        dx[:, t], dh_all[:, t], dh_next = g.dx, dh, g.dh_prev
        dW_ih += g.dW_ih  # the weights are shared by every step: their gradients add up
        dW_hh += g.dW_hh
        db_ih += g.db_ih
        db_hh += g.db_hh
    return GRUGrads(dx, dh_next, dW_ih, dW_hh, db_ih, db_hh, dh_all)


def gru_trace(cache: GRUCache):
    """(h (B, T, H), c None, gates {"r", "z", "n": (B, T, H)}) of the pass, for the layer's trace."""
    def stack(name):
        return np.stack([getattr(s, name) for s in cache.steps], axis=1)

    return stack("h"), None, {k: stack(k) for k in "rzn"}
