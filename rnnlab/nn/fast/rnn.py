"""The vanilla (Elman) RNN cell, the fast path: the maths of ``nn.rnn`` (the reference,
read that first) arranged for speed, held equal to it by tests/nn/test_impl_parity.py.

Shape letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh          (H, B)
    h_t = f(a_t)          f = tanh | relu | identity ("linear")

Vectors are columns, as in the equations: inside the core h_t is (H, B), one
column per sequence, so W_hh h_{t-1} is a plain matrix product and every row
block of a gate array is contiguous. The sequence functions take and return
batch-first arrays, (B, T, ·), and keep time-major columns, (T, ·, B), inside.

Fast by design: the input projection xw_t = W_ih x_t + b_ih + b_hh of every
step is computed before the loop in one call, so a step only adds the
recurrent part. Backward, the only sequential part of BPTT is linear: the
local derivative f'(a_t) of every step is known once the forward pass has run
(``rnn_local_derivative``, one call for a whole chunk of steps, see
``_sequence.chunks``), and the loop runs only the linear recurrence

    dh_{t-1} = W_hh^T (f'(a_t) * dh_t) + dL/dout_{t-1}

(``rnn_step_backprop``); the weight gradients are one matrix product over all
steps after the loop (``weight_grads``). The helpers the three cells share
live in _sequence.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlab.nn.fast._sequence import (carry, chunks, file_steps, input_grad, input_projection, to_batch_first,
                                      to_columns, weight_grads)
from rnnlab.nn.rnn import RNNGrads

NONLINEARITIES = ("tanh", "relu", "linear")
# --- one step ---------------------------------------------------------------------


@dataclass(slots=True)
class RNNStepCache:
    """What one step's backward needs."""

    h: np.ndarray  # (H, B) h_t = f(a_t)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


@dataclass(slots=True)
class RNNStepGrads:
    """Gradients of one step. Its weight gradients are da x_t^T, da h_{t-1}^T and sum(da);
    the sequence backward gathers them for all steps in one product."""

    da: np.ndarray  # (H, B) dL/da_t, also dL/dxw_t
    dh_prev: np.ndarray  # (H, B) dL/dh_{t-1} through this step


def rnn_step_forward(xw_t, h_prev, W_hh, nonlinearity="tanh", *, h=None):
    """One step. xw_t (H, B) = W_ih x_t + b_ih + b_hh; h_prev (H, B); W_hh (H, H).
    h: optional preallocated C-contiguous (H, B) output. Returns (h_t, cache)."""
    h = np.dot(W_hh, h_prev, h)  # W_hh h_{t-1}
    h += xw_t  # a_t
    if nonlinearity == "tanh":  # h_t = f(a_t), in place
        np.tanh(h, h)
    elif nonlinearity == "relu":
        np.maximum(h, 0, out=h)
    return h, RNNStepCache(h, W_hh, nonlinearity)


def rnn_local_derivative(h, nonlinearity, out=None):
    """f'(a_t), written with h_t = f(a_t): h (..., H, B) for one step or, with a leading T
    axis, for every step in one go. out: optional array like h to write into."""
    out = np.empty_like(h) if out is None else out
    if nonlinearity == "tanh":
        np.multiply(h, h, out)
        return np.subtract(1, out, out)  # tanh' = 1 - h^2
    if nonlinearity == "relu":
        return np.greater(h, 0, out=out)  # relu' = [h > 0]
    out[...] = 1  # identity' = 1
    return out


def rnn_step_backprop(dh, fprime, W_hh, *, da=None, dh_prev=None) -> RNNStepGrads:
    """The linear part of one step's backward. dh (H, B): the total dL/dh_t; fprime (H, B):
    f'(a_t). da, dh_prev: optional preallocated (H, B) outputs; da may be fprime."""
    da = np.multiply(dh, fprime, da)  # backprop through f: dL/da_t
    dh_prev = np.dot(W_hh.T, da, dh_prev)  # backprop through W_hh h_{t-1}
    return RNNStepGrads(da, dh_prev)


def rnn_step_backward(dh, cache: RNNStepCache, *, da=None, dh_prev=None) -> RNNStepGrads:
    """One step's backward: its local derivative f'(a_t), then the linear part. dh (H, B):
    the total dL/dh_t. da, dh_prev: optional preallocated (H, B) outputs."""
    fprime = rnn_local_derivative(cache.h, cache.nonlinearity)
    return rnn_step_backprop(dh, fprime, cache.W_hh, da=da, dh_prev=dh_prev)


# --- a whole sequence -------------------------------------------------------------


@dataclass(slots=True)
class RNNCache:
    """The forward pass of one layer, in time-major columns; the trace shows it. The weights
    are the cache's own copies, so backward differentiates the pass that ran even if the
    parameters have been updated in place since."""

    x: np.ndarray  # (T, I, B)
    hs: np.ndarray  # (T + 1, H, B): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    W_ih: np.ndarray  # (H, I)
    W_hh: np.ndarray  # (H, H)
    nonlinearity: str


def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity="tanh"):
    """x (B, T, I), h0 (B, H), W_ih (H, I), W_hh (H, H), b_ih, b_hh (H,).
    Returns (out (B, T, H), hT (B, H), cache)."""
    B, T, _ = x.shape
    H = W_hh.shape[0]
    x_cols, xw = input_projection(x, W_ih, b_ih + b_hh)  # (T, I, B), (T, H, B)
    hs = np.empty((T + 1, H, B), dtype=x.dtype)
    hs[0] = h0.T
    for xw_t, h_prev, h in zip(xw, hs, hs[1:]):
        rnn_step_forward(xw_t, h_prev, W_hh, nonlinearity, h=h)
    cache = RNNCache(x_cols, hs, W_ih.copy(), W_hh.copy(), nonlinearity)
    return to_batch_first(hs[1:]), hs[T].T.copy(), cache


def rnn_backward(dout, dhT, cache: RNNCache) -> RNNGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT (B, H) = dL/dh_T or None."""
    hs, W_hh = cache.hs, cache.W_hh
    T, H, B = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dh = np.zeros((T, H, B), hs.dtype) if dout is None else to_columns(dout, hs.dtype)
    dh_carry = carry(dhT, H, B, hs.dtype)  # dL/dh_t through step t+1; at t = T-1 the final-state grad
    da2 = np.empty((H, T * B), dtype=hs.dtype)  # every step's dL/da_t side by side, for the GEMMs
    spans = chunks(T, H * B * hs.itemsize)  # (t0, t1), the last steps first
    da = np.empty((max(t1 - t0 for t0, t1 in spans), H, B), hs.dtype)  # a chunk's f'(a_t), then dL/da_t
    for t0, t1 in spans:
        fprime = rnn_local_derivative(hs[t0 + 1 : t1 + 1], cache.nonlinearity, out=da[: t1 - t0])
        for dh_t, da_t in reversed(list(zip(dh[t0:t1], fprime))):  # t = t1-1, ..., t0
            dh_t += dh_carry  # dh[t] is now the total dL/dh_t
            rnn_step_backprop(dh_t, da_t, W_hh, da=da_t, dh_prev=dh_carry)
        file_steps(da2, t0, fprime)
    dW_ih, dW_hh, db = weight_grads(da2, cache.x, hs)
    return RNNGrads(input_grad(da2, cache.W_ih, B), dh_carry.T.copy(), dW_ih, dW_hh, db, db.copy(),
                    dh.transpose(2, 0, 1))


def rnn_trace(cache: RNNCache):
    """(h (B, T, H) as a view, c None, gates {}) of the pass, for the layer's trace."""
    return cache.hs[1:].transpose(2, 0, 1), None, {}
