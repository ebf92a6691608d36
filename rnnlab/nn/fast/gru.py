"""The GRU cell, the fast path: the maths of ``nn.gru`` (the reference, read that
first) arranged for speed, held equal to it by tests/nn/test_impl_parity.py.

Shape letters: B batch, T time, I input size, H hidden size.

    xw_t = W_ih x_t + b_ih          hw_t = W_hh h_{t-1} + b_hh          (3H, B), gates r, z, n
    r = sigmoid(xw_r + hw_r)        z = sigmoid(xw_z + hw_z)
    n = tanh(xw_n + r * hw_n)       (torch's form: r multiplies W_hn h_{t-1} + b_hn)
    h_t = (1 - z) * n + z * h_{t-1}

Vectors are columns, as in the equations (see fast/rnn.py): h_t is (H, B) and the
gates are contiguous row blocks, in torch's order r, z, n (the two sigmoid
gates are already adjacent). As in fast/rnn.py: every step's input projection in
one call before the loop, one matrix product per step for all three gates,
and after the backward recurrence one GEMM per weight matrix.

Backward, the only sequential part is linear (see fast/rnn.py): every local
derivative P of a step is fixed by the forward pass (``gru_local_derivatives``,
for many steps at once: a chunk of steps that fits in cache), and the loop runs
only

    dhw_t = [P_r, P_z, r P_n] * dh_t        dh_{t-1} = W_hh^T dhw_t + z * dh_t + dL/dout_{t-1}

(``gru_step_backprop``); dL/dxw_t = [P_r, P_z, P_n] * dh_t waits until the
chunk's loop is done, then takes one call per gate for all its steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.fast._sequence import (carry, chunks, file_steps, gate_blocks, input_grad, input_projection,
                                      sigmoid_, to_batch_first, to_columns)
from rnnlab.nn.gru import GRUGrads

# --- one step ---------------------------------------------------------------------


@dataclass(slots=True)
class GRUStepCache:
    """What one step's backward needs."""

    h_prev: np.ndarray  # (H, B) h_{t-1}
    rzn: np.ndarray  # (3H, B) gate activations r, z, n
    hw: np.ndarray  # (3H, B) W_hh h_{t-1} + b_hh (its n block is needed)
    W_hh: np.ndarray  # (3H, H)


@dataclass(slots=True)
class GRULocal:
    """The local derivatives of one step (with a leading T axis: of every step at once).
    They depend on the forward pass only. dL/dxw = [P_r, P_z, P_n] * dh, dL/dhw =
    [P_r, P_z, Q_n] * dh."""

    z: np.ndarray  # (H, B) the direct path: dL/dh_{t-1} gets z * dh_t
    P: np.ndarray  # (3H, B) r, z, n blocks: P_n = (1 - z) n', P_z = (h_{t-1} - n) z', P_r = P_n hw_n r'
    Q_n: np.ndarray  # (H, B) r * P_n: hw_n enters as r * hw_n


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
    hw = np.dot(W_hh, h_prev, hw)  # W_hh h_{t-1} for all three gates in one product
    hw += b_hh
    rzn = np.empty_like(hw) if rzn is None else rzn
    rz = np.add(xw_t[: 2 * H], hw[: 2 * H], rzn[: 2 * H])
    sigmoid_(rz)  # r, z
    r, z, n = rzn[:H], rzn[H : 2 * H], rzn[2 * H :]
    np.multiply(r, hw[2 * H :], n)  # r * (W_hn h_{t-1} + b_hn)
    n += xw_t[2 * H :]
    np.tanh(n, n)  # n = tanh(xw_n + r * hw_n)
    h = np.subtract(h_prev, n, h)  # h_t = n + z * (h_{t-1} - n)
    h *= z
    h += n
    return h, GRUStepCache(h_prev, rzn, hw, W_hh)


def gru_local_derivatives(h_prev, rzn, hw, P=None) -> GRULocal:
    """The local derivatives of a step from its forward values: h_prev (..., H, B), rzn and
    hw (..., 3H, B), for one step or, with a leading T axis, for several steps in one go.
    P: optional array like rzn to hold P_r, P_z, P_n."""
    r, z, n = gate_blocks(rzn, 3)
    P = np.empty_like(rzn) if P is None else P
    P_r, P_z, P_n = gate_blocks(P, 3)
    one_minus_z = np.subtract(1, z)
    np.multiply(n, n, P_n)
    np.subtract(1, P_n, P_n)  # tanh' = 1 - n^2
    P_n *= one_minus_z  # dL/da_n = dh * (1 - z) * n'    (h_t = (1 - z) n + z h_{t-1})
    np.subtract(h_prev, n, P_z)
    P_z *= z
    P_z *= one_minus_z  # dL/da_z = dh * (h_{t-1} - n) * z (1 - z)
    np.multiply(P_n, gate_blocks(hw, 3)[2], P_r)
    P_r *= r
    P_r *= np.subtract(1, r)  # dL/da_r = dL/da_n * hw_n * r (1 - r)
    return GRULocal(z, P, np.multiply(r, P_n))


def gru_step_backprop(dh, local: GRULocal, W_hh, *, dhw=None, dh_prev=None, work=None,
                      views=None) -> tuple[np.ndarray, np.ndarray]:
    """The linear part of one step's backward. dh (H, B): the total dL/dh_t; local: this
    step's local derivatives. dhw (3H, B), dh_prev, work (H, B): optional preallocated
    outputs and scratch; views: optional (P_r, P_z, dhw_r, dhw_z, dhw_n) views, so that a
    step in a loop does not slice. Returns (dL/dhw_t (3H, B), dL/dh_{t-1} (H, B))."""
    dhw = np.empty_like(local.P) if dhw is None else dhw
    if views is None:
        views = (*gate_blocks(local.P, 3)[:2], *gate_blocks(dhw, 3))
    P_r, P_z, dhw_r, dhw_z, dhw_n = views
    np.multiply(P_r, dh, dhw_r)  # dL/da_r: r and z see hw and xw alike
    np.multiply(P_z, dh, dhw_z)  # dL/da_z
    np.multiply(local.Q_n, dh, dhw_n)  # dL/dhw_n = r * dL/da_n
    dh_prev = np.dot(W_hh.T, dhw, dh_prev)  # backprop through W_hh h_{t-1}
    work = np.multiply(local.z, dh, work)
    dh_prev += work  # ... plus the direct path z * h_{t-1}
    return dhw, dh_prev


def gru_step_backward(dh, cache: GRUStepCache, *, dxw=None, dhw=None, dh_prev=None,
                      work=None) -> GRUStepGrads:
    """One step's backward: its local derivatives, then the linear part. dh (H, B): the total
    dL/dh_t. dxw, dhw (3H, B), dh_prev, work (H, B): optional preallocated outputs and scratch."""
    local = gru_local_derivatives(cache.h_prev, cache.rzn, cache.hw)
    dhw, dh_prev = gru_step_backprop(dh, local, cache.W_hh, dhw=dhw, dh_prev=dh_prev,
                                     work=None if work is None else work[: dh.shape[0]])
    dxw = np.empty_like(local.P) if dxw is None else dxw
    for P_k, dxw_k in zip(gate_blocks(local.P, 3), gate_blocks(dxw, 3)):
        np.multiply(P_k, dh, dxw_k)  # dL/dxw_t = [P_r, P_z, P_n] * dh
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
    dxw2 = np.empty((3 * H, T * B), dtype=hs.dtype)  # every step's dL/dxw_t side by side, for the GEMMs
    dhw2 = np.empty((3 * H, T * B), dtype=hs.dtype)  # likewise dL/dhw_t
    spans = chunks(T, 6 * H * B * hs.itemsize)  # (t0, t1), the last steps first
    K = max(t1 - t0 for t0, t1 in spans)
    dxw = np.empty((K, 3 * H, B), dtype=hs.dtype)  # a chunk's local derivatives P, then dL/dxw_t
    dhw = np.empty((K, 3 * H, B), dtype=hs.dtype)
    work = np.empty((H, B), dtype=hs.dtype)
    for t0, t1 in spans:
        local = gru_local_derivatives(hs[t0:t1], rzn[t0:t1], hw[t0:t1], P=dxw[: t1 - t0])
        P_r, P_z, P_n = gate_blocks(local.P, 3)
        views = zip(P_r, P_z, *gate_blocks(dhw, 3))
        backwards = zip(dh[t0:t1], local.z, local.P, local.Q_n, dhw, views)
        for dh_t, z_t, P_t, Q_n_t, dhw_t, views_t in reversed(list(backwards)):  # t = t1-1, ..., t0
            dh_t += dh_carry  # dh[t] is now the total dL/dh_t
            gru_step_backprop(dh_t, GRULocal(z_t, P_t, Q_n_t), W_hh, dhw=dhw_t, dh_prev=dh_carry,
                              work=work, views=views_t)
        for P_k in (P_r, P_z, P_n):
            P_k *= dh[t0:t1]  # dL/dxw_t = [P_r, P_z, P_n] * dh_t, the chunk's steps at once
        file_steps(dxw2, t0, local.P)
        file_steps(dhw2, t0, dhw[: t1 - t0])
    x2 = cache.x.transpose(1, 0, 2).reshape(-1, T * B)  # (I, T*B)
    h2 = hs[:-1].transpose(1, 0, 2).reshape(H, T * B)  # (H, T*B): h_{t-1} for every step
    dW_ih = np.dot(dxw2, x2.T)  # sum over steps of dxw_t x_t^T
    dW_hh = np.dot(dhw2, h2.T)  # sum over steps of dhw_t h_{t-1}^T
    return GRUGrads(input_grad(dxw2, cache.W_ih, B), dh_carry.T.copy(), dW_ih, dW_hh,
                    dxw2.sum(axis=1), dhw2.sum(axis=1), dh.transpose(2, 0, 1))


def gru_trace(cache: GRUCache):
    """(h (B, T, H), c None, gates {"r", "z", "n": (B, T, H)}) of the pass as views, for the
    layer's trace."""
    return cache.hs[1:].transpose(2, 0, 1), None, {k: a.transpose(2, 0, 1) for k, a in
                                                   zip("rzn", gate_blocks(cache.rzn, 3))}
