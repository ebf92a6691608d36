"""The GRU cell: step and sequence, forward and backward side by side.

Shape letters: B batch, T time, I input size, H hidden size.

    xw_t = W_ih x_t + b_ih          hw_t = W_hh h_{t-1} + b_hh          (B, 3H), gates r, z, n
    r = sigmoid(xw_r + hw_r)        z = sigmoid(xw_z + hw_z)
    n = tanh(xw_n + r * hw_n)       (torch's form: r multiplies W_hn h_{t-1} + b_hn)
    h_t = (1 - z) * n + z * h_{t-1}

Gate order r, z, n as torch, so the two sigmoid gates are already contiguous.
As in rnn.py: one GEMM for every step's input projection before the loop, one
matrix product per step for all three gates, and after the backward recurrence
one GEMM per weight gradient. Sequences are stored time-major, (T, B, ·).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.rnn import sigmoid_

# --- one step -------------------------------------------------------------------


@dataclass(slots=True)
class GRUStepCache:
    """What one step's backward needs."""

    h_prev: np.ndarray  # (B, H) h_{t-1}
    rzn: np.ndarray  # (B, 3H) gate activations r, z, n
    hw: np.ndarray  # (B, 3H) W_hh h_{t-1} + b_hh (its n block is needed)
    W_hh: np.ndarray  # (3H, H)


@dataclass(slots=True)
class GRUStepGrads:
    """Gradients of one step (the weight gradients are gathered by gru_backward)."""

    dxw: np.ndarray  # (B, 3H) dL/dxw_t = dL/d(W_ih x_t + b_ih)
    dhw: np.ndarray  # (B, 3H) dL/dhw_t = dL/d(W_hh h_{t-1} + b_hh)
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step


def gru_step_forward(xw_t, h_prev, W_hh, b_hh, *, hw=None, rzn=None, h=None):
    """One step. xw_t (B, 3H) = W_ih x_t + b_ih; h_prev (B, H); W_hh (3H, H); b_hh (3H,).
    hw, rzn (B, 3H), h (B, H): optional preallocated C-contiguous outputs.
    Returns (h_t, cache)."""
    H = h_prev.shape[1]
    hw = np.dot(h_prev, W_hh.T, out=hw)  # W_hh h_{t-1} for all three gates in one product
    hw += b_hh
    rzn = np.empty_like(hw) if rzn is None else rzn
    rz = np.add(xw_t[:, : 2 * H], hw[:, : 2 * H], out=rzn[:, : 2 * H])
    sigmoid_(rz)  # r, z
    r, z = rzn[:, :H], rzn[:, H : 2 * H]
    n = np.multiply(r, hw[:, 2 * H :], out=rzn[:, 2 * H :])  # r * (W_hn h_{t-1} + b_hn)
    n += xw_t[:, 2 * H :]
    np.tanh(n, out=n)  # n = tanh(xw_n + r * hw_n)
    h = np.subtract(h_prev, n, out=h)  # h_t = n + z * (h_{t-1} - n)
    h *= z
    h += n
    return h, GRUStepCache(h_prev, rzn, hw, W_hh)


def gru_step_backward(dh, cache: GRUStepCache, *, dxw=None, dhw=None, dh_prev=None) -> GRUStepGrads:
    """dh (B, H): the total dL/dh_t. dxw, dhw (B, 3H), dh_prev (B, H): optional outputs."""
    H = dh.shape[1]
    rzn, h_prev = cache.rzn, cache.h_prev
    r, z, n = rzn[:, :H], rzn[:, H : 2 * H], rzn[:, 2 * H :]
    dxw = np.empty_like(rzn) if dxw is None else dxw
    dhw = np.empty_like(rzn) if dhw is None else dhw
    da_r, da_z, da_n = dxw[:, :H], dxw[:, H : 2 * H], dxw[:, 2 * H :]
    np.subtract(1, z, out=da_n)  # dL/dn = dh * (1 - z)
    da_n *= dh
    da_n *= 1 - n * n  # backprop through tanh: dL/da_n
    np.subtract(h_prev, n, out=da_z)  # dL/dz = dh * (h_{t-1} - n)
    da_z *= dh
    np.multiply(da_n, cache.hw[:, 2 * H :], out=da_r)  # dL/dr = da_n * hw_n
    s = rzn[:, : 2 * H]
    ds = dxw[:, : 2 * H]
    ds *= s  # backprop through the sigmoids: sigmoid' = s (1 - s)
    ds *= 1 - s
    dhw[:, : 2 * H] = ds  # r and z see xw and hw alike
    np.multiply(da_n, r, out=dhw[:, 2 * H :])  # hw_n enters as r * hw_n
    dh_prev = np.dot(dhw, cache.W_hh, out=dh_prev)  # backprop through W_hh h_{t-1}
    dh_prev += dh * z  # ... plus the direct path z * h_{t-1}
    return GRUStepGrads(dxw, dhw, dh_prev)


# --- a whole sequence ---------------------------------------------------------


@dataclass(slots=True)
class GRUCache:
    """The forward pass of one layer, time-major. It is also what the trace shows."""

    x: np.ndarray  # (T, B, I)
    hs: np.ndarray  # (T + 1, B, H): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    rzn: np.ndarray  # (T, B, 3H) gate activations r, z, n
    hw: np.ndarray  # (T, B, 3H) W_hh h_{t-1} + b_hh
    W_ih: np.ndarray  # (3H, I)
    W_hh: np.ndarray  # (3H, H)


@dataclass(slots=True)
class GRUGrads:
    dx: np.ndarray  # (B, T, I)
    dh0: np.ndarray  # (B, H) dL/d(initial state)
    dW_ih: np.ndarray  # (3H, I)
    dW_hh: np.ndarray  # (3H, H)
    db_ih: np.ndarray  # (3H,)
    db_hh: np.ndarray  # (3H,)
    dh: np.ndarray  # (B, T, H) total dL/dh_t: the output gradient at t plus what flows back from t+1


def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """x (B, T, I), h0 (B, H), W_ih (3H, I), W_hh (3H, H), b_ih, b_hh (3H,).
    Returns (out (B, T, H), hT (B, H), cache)."""
    B, T, I = x.shape
    H = W_hh.shape[1]
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, I)
    xw = np.dot(x_tm.reshape(T * B, I), W_ih.T).reshape(T, B, 3 * H)  # every step's W_ih x_t
    xw += b_ih
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    hs[0] = h0
    rzn = np.empty((T, B, 3 * H), dtype=x.dtype)
    hw = np.empty((T, B, 3 * H), dtype=x.dtype)
    for t in range(T):
        gru_step_forward(xw[t], hs[t], W_hh, b_hh, hw=hw[t], rzn=rzn[t], h=hs[t + 1])
    out = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))  # (B, T, H)
    return out, hs[T].copy(), GRUCache(x_tm, hs, rzn, hw, W_ih, W_hh)


def gru_backward(dout, dhT, cache: GRUCache) -> GRUGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None."""
    x, hs, rzn, hw, W_hh = cache.x, cache.hs, cache.rzn, cache.hw, cache.W_hh
    T, B, I = x.shape
    H = hs.shape[2]
    if dout is None:
        dh = np.zeros((T, B, H), dtype=hs.dtype)
    else:
        dh = np.ascontiguousarray(dout.transpose(1, 0, 2), dtype=hs.dtype)  # (T, B, H)
    if dhT is not None:
        dh[T - 1] += dhT  # the final state feeds the loss too
    dxw = np.empty((T, B, 3 * H), dtype=hs.dtype)  # per-step gradients, for the weight GEMMs
    dhw = np.empty((T, B, 3 * H), dtype=hs.dtype)
    dh_prev = np.empty((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        gru_step_backward(dh[t], GRUStepCache(hs[t], rzn[t], hw[t], W_hh),
                          dxw=dxw[t], dhw=dhw[t], dh_prev=dh_prev)
        if t > 0:
            dh[t - 1] += dh_prev  # dh now holds the total dL/dh_{t-1}
    dxw2, dhw2 = dxw.reshape(T * B, 3 * H), dhw.reshape(T * B, 3 * H)
    dx = np.dot(dxw2, cache.W_ih).reshape(T, B, I).transpose(1, 0, 2)  # (B, T, I)
    dW_ih = np.dot(dxw2.T, x.reshape(T * B, I))  # sum over steps of dxw_t^T x_t
    dW_hh = np.dot(dhw2.T, hs[:-1].reshape(T * B, H))  # sum over steps of dhw_t^T h_{t-1}
    return GRUGrads(np.ascontiguousarray(dx), dh_prev.copy(), dW_ih, dW_hh,
                    dxw2.sum(axis=0), dhw2.sum(axis=0), dh.transpose(1, 0, 2))
