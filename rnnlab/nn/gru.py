"""The GRU cell: step and sequence, forward and backward side by side.

Shape letters: B batch, T time, I input size, H hidden size.

    xw_t = W_ih x_t + b_ih          hw_t = W_hh h_{t-1} + b_hh          (3H, B), gates r, z, n
    r = sigmoid(xw_r + hw_r)        z = sigmoid(xw_z + hw_z)
    n = tanh(xw_n + r * hw_n)       (torch's form: r multiplies W_hn h_{t-1} + b_hn)
    h_t = (1 - z) * n + z * h_{t-1}

Vectors are columns, as in the equations (see rnn.py): h_t is (H, B) and the
gates are contiguous row blocks, in torch's order r, z, n (the two sigmoid
gates are already adjacent). As in rnn.py: every step's input projection in
one call before the loop, one matrix product per step for all three gates,
and after the backward recurrence one GEMM per weight matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.rnn import carry, input_grad, input_projection, sigmoid_, to_batch_first, to_columns

# --- one step ---------------------------------------------------------------------


@dataclass(slots=True)
class GRUStepCache:
    """What one step's backward needs."""

    h_prev: np.ndarray  # (H, B) h_{t-1}
    rzn: np.ndarray  # (3H, B) gate activations r, z, n
    hw: np.ndarray  # (3H, B) W_hh h_{t-1} + b_hh (its n block is needed)
    W_hh: np.ndarray  # (3H, H)


@dataclass(slots=True)
class GRUStepGrads:
    """Gradients of one step (the weight gradients are gathered by gru_backward)."""

    dxw: np.ndarray  # (3H, B) dL/dxw_t = dL/d(W_ih x_t + b_ih)
    dhw: np.ndarray  # (3H, B) dL/dhw_t = dL/d(W_hh h_{t-1} + b_hh)
    dh_prev: np.ndarray  # (H, B) dL/dh_{t-1} through this step


def gru_step_forward(xw_t, h_prev, W_hh, b_hh, *, hw=None, rzn=None, h=None):
    """One step. xw_t (3H, B) = W_ih x_t + b_ih; h_prev (H, B); W_hh (3H, H); b_hh (3H, B)
    (the bias repeated in every column, or (3H, 1)). hw, rzn (3H, B), h (H, B): optional
    preallocated C-contiguous outputs. Returns (h_t, cache)."""
    H = h_prev.shape[0]
    hw = np.dot(W_hh, h_prev, out=hw)  # W_hh h_{t-1} for all three gates in one product
    hw += b_hh
    rzn = np.empty_like(hw) if rzn is None else rzn
    rz = np.add(xw_t[: 2 * H], hw[: 2 * H], out=rzn[: 2 * H])
    sigmoid_(rz)  # r, z
    r, z, n = rzn[:H], rzn[H : 2 * H], rzn[2 * H :]
    np.multiply(r, hw[2 * H :], out=n)  # r * (W_hn h_{t-1} + b_hn)
    n += xw_t[2 * H :]
    np.tanh(n, out=n)  # n = tanh(xw_n + r * hw_n)
    h = np.subtract(h_prev, n, out=h)  # h_t = n + z * (h_{t-1} - n)
    h *= z
    h += n
    return h, GRUStepCache(h_prev, rzn, hw, W_hh)


def gru_step_backward(dh, cache: GRUStepCache, *, dxw=None, dhw=None, dh_prev=None,
                      work=None) -> GRUStepGrads:
    """dh (H, B): the total dL/dh_t. dxw, dhw, work (3H, B), dh_prev (H, B): optional
    preallocated outputs and scratch."""
    H = dh.shape[0]
    rzn, h_prev = cache.rzn, cache.h_prev
    r, z, n = rzn[:H], rzn[H : 2 * H], rzn[2 * H :]
    dxw = np.empty_like(rzn) if dxw is None else dxw
    dhw = np.empty_like(rzn) if dhw is None else dhw
    da_r, da_z, da_n = dxw[:H], dxw[H : 2 * H], dxw[2 * H :]
    work = np.multiply(rzn, rzn, out=work)  # the activations' derivatives, all gates at once:
    np.subtract(rzn[: 2 * H], work[: 2 * H], out=work[: 2 * H])  # sigmoid' = s - s^2
    np.subtract(1, work[2 * H :], out=work[2 * H :])  # tanh' = 1 - n^2
    np.subtract(1, z, out=da_n)  # dL/dn = dh * (1 - z)
    da_n *= dh
    da_n *= work[2 * H :]  # backprop through tanh: dL/da_n
    np.subtract(h_prev, n, out=da_z)  # dL/dz = dh * (h_{t-1} - n)
    da_z *= dh
    np.multiply(da_n, cache.hw[2 * H :], out=da_r)  # dL/dr = da_n * hw_n
    dxw[: 2 * H] *= work[: 2 * H]  # backprop through the sigmoids: dL/da_r, dL/da_z
    dhw[: 2 * H] = dxw[: 2 * H]  # r and z see xw and hw alike
    np.multiply(da_n, r, out=dhw[2 * H :])  # hw_n enters as r * hw_n
    dh_prev = np.dot(cache.W_hh.T, dhw, out=dh_prev)  # backprop through W_hh h_{t-1}
    np.multiply(dh, z, out=work[:H])
    dh_prev += work[:H]  # ... plus the direct path z * h_{t-1}
    return GRUStepGrads(dxw, dhw, dh_prev)


# --- a whole sequence -------------------------------------------------------------


@dataclass(slots=True)
class GRUCache:
    """The forward pass of one layer, in time-major columns; the trace shows it. The weights
    are the cache's own copies, so backward differentiates the pass that ran even if the
    parameters have been updated in place since."""

    x: np.ndarray  # (T, I, B)
    hs: np.ndarray  # (T + 1, H, B): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    rzn: np.ndarray  # (T, 3H, B) gate activations r, z, n
    hw: np.ndarray  # (T, 3H, B) W_hh h_{t-1} + b_hh
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
    B, T, _ = x.shape
    H = W_hh.shape[1]
    x_cols, xw = input_projection(x, W_ih, b_ih)  # (T, I, B), (T, 3H, B)
    b_hh_cols = np.repeat(b_hh[:, None], B, axis=1)  # (3H, B), one contiguous block to add
    hs = np.empty((T + 1, H, B), dtype=x.dtype)
    hs[0] = h0.T
    rzn = np.empty((T, 3 * H, B), dtype=x.dtype)
    hw = np.empty((T, 3 * H, B), dtype=x.dtype)
    for xw_t, h_prev, hw_t, rzn_t, h in zip(xw, hs, hw, rzn, hs[1:]):
        gru_step_forward(xw_t, h_prev, W_hh, b_hh_cols, hw=hw_t, rzn=rzn_t, h=h)
    cache = GRUCache(x_cols, hs, rzn, hw, W_ih.copy(), W_hh.copy())
    return to_batch_first(hs[1:]), hs[T].T.copy(), cache


def gru_backward(dout, dhT, cache: GRUCache) -> GRUGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None."""
    hs, rzn, hw, W_hh = cache.hs, cache.rzn, cache.hw, cache.W_hh
    T, H, B = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dh = np.zeros((T, H, B), hs.dtype) if dout is None else to_columns(dout, hs.dtype)
    dh_carry = carry(dhT, H, B, hs.dtype)  # dL/dh_t through step t+1; at t = T-1 the final-state grad
    dxw = np.empty((T, 3 * H, B), dtype=hs.dtype)  # per-step gradients, for the weight GEMMs
    dhw = np.empty((T, 3 * H, B), dtype=hs.dtype)
    work = np.empty((3 * H, B), dtype=hs.dtype)
    backwards = zip(dh[::-1], hs[-2::-1], rzn[::-1], hw[::-1], dxw[::-1], dhw[::-1])
    for dh_t, h_prev, rzn_t, hw_t, dxw_t, dhw_t in backwards:  # t = T-1, ..., 0
        dh_t += dh_carry  # dh[t] is now the total dL/dh_t
        gru_step_backward(dh_t, GRUStepCache(h_prev, rzn_t, hw_t, W_hh),
                          dxw=dxw_t, dhw=dhw_t, dh_prev=dh_carry, work=work)
    dxw2 = dxw.transpose(1, 0, 2).reshape(3 * H, T * B)  # (3H, T*B)
    dhw2 = dhw.transpose(1, 0, 2).reshape(3 * H, T * B)
    x2 = cache.x.transpose(1, 0, 2).reshape(-1, T * B)  # (I, T*B)
    h2 = hs[:-1].transpose(1, 0, 2).reshape(H, T * B)  # (H, T*B): h_{t-1} for every step
    dW_ih = np.dot(dxw2, x2.T)  # sum over steps of dxw_t x_t^T
    dW_hh = np.dot(dhw2, h2.T)  # sum over steps of dhw_t h_{t-1}^T
    return GRUGrads(input_grad(dxw2, cache.W_ih, B), dh_carry.T.copy(), dW_ih, dW_hh,
                    dxw2.sum(axis=1), dhw2.sum(axis=1), dh.transpose(2, 0, 1))
