"""The LSTM cell: step and sequence, forward and backward side by side.

Shape letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh                 (B, 4H)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                                   (B, H)
    h_t = o * tanh(c_t)                                         (B, H)

The parameters use torch's gate order i, f, g, o. Inside, the gate blocks are
kept in the order i, f, o, g so that the three sigmoid gates are contiguous and
one sigmoid covers them: ``lstm_forward`` reorders the weights once per call
and ``lstm_backward`` returns the weight gradients in torch's order again. The
step functions work in the i, f, o, g order.

As in rnn.py: one GEMM for every step's input projection before the loop, one
matrix product per step for all four gates, and after the backward recurrence
one GEMM per weight gradient. Sequences are stored time-major, (T, B, ·).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.rnn import sigmoid_


def ifog_order(H: int) -> np.ndarray:
    """Row index turning torch's i, f, g, o blocks into i, f, o, g (and back: it swaps g and o)."""
    return np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]


# --- one step -------------------------------------------------------------------


@dataclass(slots=True)
class LSTMStepCache:
    """What one step's backward needs."""

    h_prev: np.ndarray  # (B, H) h_{t-1}
    c_prev: np.ndarray  # (B, H) c_{t-1}
    ifog: np.ndarray  # (B, 4H) gate activations i, f, o, g
    tanh_c: np.ndarray  # (B, H) tanh(c_t)
    W_hh: np.ndarray  # (4H, H) rows in i, f, o, g order


@dataclass(slots=True)
class LSTMStepGrads:
    """Gradients of one step (the weight gradients are gathered by lstm_backward)."""

    da: np.ndarray  # (B, 4H) dL/da_t (i, f, o, g), also dL/dxw_t
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step
    dc_prev: np.ndarray  # (B, H) dL/dc_{t-1} through this step: f * dc
    dc: np.ndarray  # (B, H) the total dL/dc_t


def lstm_step_forward(xw_t, h_prev, c_prev, W_hh, *, ifog=None, c=None, tanh_c=None, h=None):
    """One step. xw_t (B, 4H) = W_ih x_t + b_ih + b_hh (i, f, o, g); h_prev, c_prev (B, H);
    W_hh (4H, H) (i, f, o, g). ifog (B, 4H), c, tanh_c, h (B, H): optional preallocated
    C-contiguous outputs. Returns (h_t, c_t, cache)."""
    H = h_prev.shape[1]
    ifog = np.dot(h_prev, W_hh.T, out=ifog)  # W_hh h_prev for all four gates in one product
    ifog += xw_t  # a_t
    sigmoid_(ifog[:, : 3 * H])  # i, f, o = sigmoid(a_i, a_f, a_o)
    g = np.tanh(ifog[:, 3 * H :], out=ifog[:, 3 * H :])  # g = tanh(a_g)
    i, f, o = ifog[:, :H], ifog[:, H : 2 * H], ifog[:, 2 * H : 3 * H]
    c = np.multiply(f, c_prev, out=c)  # c_t = f * c_{t-1} ...
    tanh_c = np.multiply(i, g, out=tanh_c)  # (tanh_c holds i * g for a moment)
    c += tanh_c  # ... + i * g
    np.tanh(c, out=tanh_c)
    h = np.multiply(o, tanh_c, out=h)  # h_t = o * tanh(c_t)
    return h, c, LSTMStepCache(h_prev, c_prev, ifog, tanh_c, W_hh)


def lstm_step_backward(dh, dc_next, cache: LSTMStepCache, *, da=None, dc=None, dh_prev=None,
                       dc_prev=None) -> LSTMStepGrads:
    """dh (B, H): the total dL/dh_t. dc_next (B, H): dL/dc_t through c_{t+1} only (what the
    next step returned as dc_prev; at the last step the final-state gradient, or zeros).
    da (B, 4H), dc, dh_prev, dc_prev (B, H): optional preallocated outputs; dc_prev may be
    the same array as dc_next (it is read before it is written)."""
    H = dh.shape[1]
    ifog, tanh_c = cache.ifog, cache.tanh_c
    i, f, o, g = ifog[:, :H], ifog[:, H : 2 * H], ifog[:, 2 * H : 3 * H], ifog[:, 3 * H :]
    da = np.empty_like(ifog) if da is None else da
    di, df, do, dg = da[:, :H], da[:, H : 2 * H], da[:, 2 * H : 3 * H], da[:, 3 * H :]
    dc = np.multiply(tanh_c, tanh_c, out=dc)  # backprop h_t = o * tanh(c_t) into c_t:
    np.subtract(1, dc, out=dc)  # tanh'(c_t) = 1 - tanh(c_t)^2
    dc *= o
    dc *= dh
    dc += dc_next  # total dL/dc_t: through h_t and through c_{t+1}
    np.multiply(dh, tanh_c, out=do)  # dL/do
    np.multiply(dc, g, out=di)  # dL/di   (c_t = f * c_{t-1} + i * g)
    np.multiply(dc, cache.c_prev, out=df)  # dL/df
    np.multiply(dc, i, out=dg)  # dL/dg
    dc_prev = np.multiply(dc, f, out=dc_prev)  # dL/dc_{t-1} through this step
    s, ds = ifog[:, : 3 * H], da[:, : 3 * H]
    ds *= s  # backprop through the sigmoids: sigmoid' = s (1 - s)
    ds *= 1 - s
    dg *= 1 - g * g  # backprop through tanh: tanh' = 1 - g^2
    dh_prev = np.dot(da, cache.W_hh, out=dh_prev)  # backprop through W_hh h_{t-1}
    return LSTMStepGrads(da, dh_prev, dc_prev, dc)


# --- a whole sequence ---------------------------------------------------------


@dataclass(slots=True)
class LSTMCache:
    """The forward pass of one layer, time-major. It is also what the trace shows."""

    x: np.ndarray  # (T, B, I)
    hs: np.ndarray  # (T + 1, B, H): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    cs: np.ndarray  # (T + 1, B, H): likewise c
    ifog: np.ndarray  # (T, B, 4H) gate activations, i, f, o, g
    tanh_c: np.ndarray  # (T, B, H)
    W_ih: np.ndarray  # (4H, I) rows i, f, o, g
    W_hh: np.ndarray  # (4H, H) rows i, f, o, g


@dataclass(slots=True)
class LSTMGrads:
    """Gradients of a sequence; weights in torch's order i, f, g, o."""

    dx: np.ndarray  # (B, T, I)
    dh0: np.ndarray  # (B, H) dL/d(initial h)
    dc0: np.ndarray  # (B, H) dL/d(initial c)
    dW_ih: np.ndarray  # (4H, I)
    dW_hh: np.ndarray  # (4H, H)
    db_ih: np.ndarray  # (4H,)
    db_hh: np.ndarray  # (4H,)
    dh: np.ndarray  # (B, T, H) total dL/dh_t: the output gradient at t plus what flows back from t+1
    dc: np.ndarray  # (B, T, H) total dL/dc_t: through h_t plus through c_{t+1}


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """x (B, T, I), h0, c0 (B, H), W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H,), torch's
    gate order. Returns (out (B, T, H), hT (B, H), cT (B, H), cache)."""
    B, T, I = x.shape
    H = W_hh.shape[1]
    order = ifog_order(H)
    W_ih, W_hh = W_ih[order], W_hh[order]  # i, f, g, o -> i, f, o, g (copies)
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, I)
    xw = np.dot(x_tm.reshape(T * B, I), W_ih.T).reshape(T, B, 4 * H)  # every step's W_ih x_t
    xw += (b_ih + b_hh)[order]
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    cs = np.empty((T + 1, B, H), dtype=x.dtype)
    hs[0], cs[0] = h0, c0
    ifog = np.empty((T, B, 4 * H), dtype=x.dtype)
    tanh_c = np.empty((T, B, H), dtype=x.dtype)
    for t in range(T):
        lstm_step_forward(xw[t], hs[t], cs[t], W_hh,
                          ifog=ifog[t], c=cs[t + 1], tanh_c=tanh_c[t], h=hs[t + 1])
    out = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))  # (B, T, H)
    cache = LSTMCache(x_tm, hs, cs, ifog, tanh_c, W_ih, W_hh)
    return out, hs[T].copy(), cs[T].copy(), cache


def lstm_backward(dout, dhT, dcT, cache: LSTMCache) -> LSTMGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT, dcT (B, H) = dL/dh_T, dL/dc_T or None."""
    x, hs, cs, ifog, tanh_c, W_hh = cache.x, cache.hs, cache.cs, cache.ifog, cache.tanh_c, cache.W_hh
    T, B, I = x.shape
    H = hs.shape[2]
    if dout is None:
        dh = np.zeros((T, B, H), dtype=hs.dtype)
    else:
        dh = np.ascontiguousarray(dout.transpose(1, 0, 2), dtype=hs.dtype)  # (T, B, H)
    if dhT is not None:
        dh[T - 1] += dhT  # the final state feeds the loss too
    dc_carry = np.zeros((B, H), dtype=hs.dtype) if dcT is None else np.array(dcT, dtype=hs.dtype)
    da = np.empty((T, B, 4 * H), dtype=hs.dtype)  # dL/da_t for every step, for the weight GEMMs
    dc = np.empty((T, B, H), dtype=hs.dtype)
    dh_prev = np.empty((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        step_cache = LSTMStepCache(hs[t], cs[t], ifog[t], tanh_c[t], W_hh)
        lstm_step_backward(dh[t], dc_carry, step_cache,
                           da=da[t], dc=dc[t], dh_prev=dh_prev, dc_prev=dc_carry)
        if t > 0:
            dh[t - 1] += dh_prev  # dh now holds the total dL/dh_{t-1}
    da2 = da.reshape(T * B, 4 * H)
    dx = np.dot(da2, cache.W_ih).reshape(T, B, I).transpose(1, 0, 2)  # (B, T, I)
    order = ifog_order(H)
    dW_ih = np.dot(da2.T, x.reshape(T * B, I))[order]  # sum over steps of da_t^T x_t, torch order
    dW_hh = np.dot(da2.T, hs[:-1].reshape(T * B, H))[order]  # sum over steps of da_t^T h_{t-1}
    db = da2.sum(axis=0)[order]
    return LSTMGrads(np.ascontiguousarray(dx), dh_prev.copy(), dc_carry.copy(), dW_ih, dW_hh,
                     db, db.copy(), dh.transpose(1, 0, 2), dc.transpose(1, 0, 2))
