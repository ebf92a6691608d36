"""The vanilla (Elman) RNN cell: step and sequence, forward and backward side by side.

Shape letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh          (B, H)
    h_t = f(a_t)          f = tanh | relu | identity ("linear")

Fast by design: the input projection xw_t = W_ih x_t + b_ih + b_hh of every
step is ONE matrix product before the loop, so a step only adds the recurrent
part. Backward runs only the recurrence dh_{t-1} = W_hh^T (f'(a_t) * dh_t) step
by step; the weight gradients are one matrix product each over all steps after
the loop. Inside, sequences are stored time-major, (T, B, ·), so that every
step reads and writes contiguous (B, ·) blocks.

This module also holds the in-place activations the three cells share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NONLINEARITIES = ("tanh", "relu", "linear")


# --- activations, in place ---------------------------------------------------


def sigmoid_(a: np.ndarray) -> np.ndarray:
    """a <- sigmoid(a) in place, as 0.5 * tanh(a / 2) + 0.5 (exact, one fast ufunc chain)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def activate_(a: np.ndarray, nonlinearity: str) -> np.ndarray:
    """a <- f(a) in place for f = tanh | relu | linear (identity)."""
    if nonlinearity == "tanh":
        np.tanh(a, out=a)
    elif nonlinearity == "relu":
        np.maximum(a, 0, out=a)
    return a


def activation_grad(h: np.ndarray, dh: np.ndarray, nonlinearity: str, out=None) -> np.ndarray:
    """dL/da = f'(a) * dL/dh, written with h = f(a): tanh' = 1 - h^2, relu' = [h > 0], linear' = 1."""
    if nonlinearity == "tanh":
        out = np.multiply(h, h, out=out)
        np.subtract(1, out, out=out)
        out *= dh
        return out
    if nonlinearity == "relu":
        return np.multiply(dh, h > 0, out=out)
    if out is None:
        return dh.copy()
    np.copyto(out, dh)
    return out


# --- one step -------------------------------------------------------------------


@dataclass(slots=True)
class RNNStepCache:
    """What one step's backward needs."""

    h_prev: np.ndarray  # (B, H) h_{t-1}
    h: np.ndarray  # (B, H) h_t = f(a_t)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


@dataclass(slots=True)
class RNNStepGrads:
    """Gradients of one step. The step's weight gradients are da^T x_t, da^T h_prev and
    sum(da); the sequence backward gathers them for all steps in one product each."""

    da: np.ndarray  # (B, H) dL/da_t, also dL/dxw_t
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step


def rnn_step_forward(xw_t, h_prev, W_hh, nonlinearity="tanh", *, h=None):
    """One step. xw_t (B, H) = W_ih x_t + b_ih + b_hh; h_prev (B, H); W_hh (H, H).
    h: optional preallocated (B, H) C-contiguous output. Returns (h_t, cache)."""
    h = np.dot(h_prev, W_hh.T, out=h)  # W_hh h_prev
    h += xw_t  # a_t = W_hh h_prev + W_ih x_t + b
    activate_(h, nonlinearity)  # h_t = f(a_t)
    return h, RNNStepCache(h_prev, h, W_hh, nonlinearity)


def rnn_step_backward(dh, cache: RNNStepCache, *, da=None, dh_prev=None) -> RNNStepGrads:
    """dh (B, H): the total dL/dh_t. da, dh_prev: optional preallocated (B, H) outputs."""
    da = activation_grad(cache.h, dh, cache.nonlinearity, out=da)  # backprop through f
    dh_prev = np.dot(da, cache.W_hh, out=dh_prev)  # backprop through W_hh h_prev
    return RNNStepGrads(da, dh_prev)


# --- a whole sequence ---------------------------------------------------------


@dataclass(slots=True)
class RNNCache:
    """The forward pass of one layer, time-major. It is also what the trace shows."""

    x: np.ndarray  # (T, B, I)
    hs: np.ndarray  # (T + 1, B, H): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    W_ih: np.ndarray  # (H, I)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


@dataclass(slots=True)
class RNNGrads:
    dx: np.ndarray  # (B, T, I)
    dh0: np.ndarray  # (B, H) dL/d(initial state)
    dW_ih: np.ndarray  # (H, I)
    dW_hh: np.ndarray  # (H, H)
    db_ih: np.ndarray  # (H,)
    db_hh: np.ndarray  # (H,)
    dh: np.ndarray  # (B, T, H) total dL/dh_t: the output gradient at t plus what flows back from t+1


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity="tanh"):
    """x (B, T, I), h0 (B, H), W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,).
    Returns (out (B, T, H), hT (B, H), cache)."""
    B, T, I = x.shape
    H = W_hh.shape[0]
    x_tm = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, B, I)
    xw = np.dot(x_tm.reshape(T * B, I), W_ih.T).reshape(T, B, H)  # every step's W_ih x_t: one GEMM
    xw += b_ih + b_hh
    hs = np.empty((T + 1, B, H), dtype=x.dtype)
    hs[0] = h0
    for t in range(T):
        rnn_step_forward(xw[t], hs[t], W_hh, nonlinearity, h=hs[t + 1])
    out = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))  # (B, T, H)
    return out, hs[T].copy(), RNNCache(x_tm, hs, W_ih, W_hh, nonlinearity)


def rnn_backward(dout, dhT, cache: RNNCache) -> RNNGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None."""
    x, hs, W_hh = cache.x, cache.hs, cache.W_hh
    T, B, I = x.shape
    H = hs.shape[2]
    if dout is None:
        dh = np.zeros((T, B, H), dtype=hs.dtype)
    else:
        dh = np.ascontiguousarray(dout.transpose(1, 0, 2), dtype=hs.dtype)  # (T, B, H)
    if dhT is not None:
        dh[T - 1] += dhT  # the final state feeds the loss too
    da = np.empty((T, B, H), dtype=hs.dtype)  # dL/da_t for every step, for the weight GEMMs
    dh_prev = np.empty((B, H), dtype=hs.dtype)
    for t in range(T - 1, -1, -1):
        step = rnn_step_backward(dh[t], RNNStepCache(hs[t], hs[t + 1], W_hh, cache.nonlinearity),
                                 da=da[t], dh_prev=dh_prev)
        if t > 0:
            dh[t - 1] += step.dh_prev  # dh now holds the total dL/dh_{t-1}
    da2 = da.reshape(T * B, H)
    dx = np.dot(da2, cache.W_ih).reshape(T, B, I).transpose(1, 0, 2)  # (B, T, I)
    dW_ih = np.dot(da2.T, x.reshape(T * B, I))  # sum over steps of da_t^T x_t
    dW_hh = np.dot(da2.T, hs[:-1].reshape(T * B, H))  # sum over steps of da_t^T h_{t-1}
    db = da2.sum(axis=0)
    dh_bt = dh.transpose(1, 0, 2)  # (B, T, H)
    return RNNGrads(np.ascontiguousarray(dx), dh_prev.copy(), dW_ih, dW_hh, db, db.copy(), dh_bt)
