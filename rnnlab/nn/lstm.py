"""The LSTM cell, the reference: one step forward and backward, and the sequence
functions that loop over them.

Letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh     four blocks, torch's order i, f, g, o
    i = sigmoid(a_i)      input gate: how much of the candidate to write
    f = sigmoid(a_f)      forget gate: how much of the old cell to keep
    g = tanh(a_g)         candidate
    o = sigmoid(a_o)      output gate: how much of the cell to show
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

Backward, for dh = dL/dh_t (the total) and dc = dL/dc_t through c_{t+1}:

    dc += dh * o * (1 - tanh^2 c_t)                   the total dL/dc_t
    da_i = dc * g * i (1 - i)     da_f = dc * c_{t-1} * f (1 - f)
    da_g = dc * i * (1 - g^2)     da_o = dh * tanh(c_t) * o (1 - o)
    dc_{t-1} = dc * f             dh_{t-1} = W_hh^T da      dx_t = W_ih^T da

Gate surgery, for the lesson: ``lstm_forward(..., gate_override={"f": (0.0, 12)})``
sets the forget gate to 0 at every step t >= 12, after its sigmoid and before it
is used; any of the sigmoid gates i, f, o may be clamped to a value in [0, 1]. A
clamped gate is a constant, so no gradient reaches its pre-activation (nor the
weights behind it) at those steps.

Arrays hold one row per sequence, as torch's do (x_t (B, I), h_t (B, H); W_ih x_t
is ``x_t @ W_ih.T``). ``nn.fast.lstm`` is the same maths arranged for speed (gates
reordered, one tanh for all four, buffers reused, backward in chunks), held equal
to this by tests/nn/test_impl_parity.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnlab.nn.checks import gate_override as check_gate_override
from rnnlab.nn.rnn import sigmoid


# --- one step ---------------------------------------------------------------------


@dataclass
class LSTMStepCache:
    """One step's forward values, which its backward needs."""

    x_t: np.ndarray  # (B, I)
    h_prev: np.ndarray  # (B, H) h_{t-1}
    c_prev: np.ndarray  # (B, H) c_{t-1}
    i: np.ndarray  # (B, H) gate activations, after any surgery
    f: np.ndarray  # (B, H)
    g: np.ndarray  # (B, H)
    o: np.ndarray  # (B, H)
    c: np.ndarray  # (B, H) c_t
    h: np.ndarray  # (B, H) h_t
    W_ih: np.ndarray  # (4H, I)
    W_hh: np.ndarray  # (4H, H)
    clamped: tuple[str, ...] = ()  # the gates set to a constant at this step


@dataclass
class LSTMStepGrads:
    dx: np.ndarray  # (B, I) dL/dx_t
    dh_prev: np.ndarray  # (B, H) dL/dh_{t-1} through this step
    dc_prev: np.ndarray  # (B, H) dL/dc_{t-1} through this step
    dW_ih: np.ndarray  # (4H, I)
    dW_hh: np.ndarray  # (4H, H)
    db_ih: np.ndarray  # (4H,)
    db_hh: np.ndarray  # (4H,)
    dc: np.ndarray  # (B, H) the total dL/dc_t (through h_t and through c_{t+1}), for the trace


def lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh, clamp=None):
    """x_t (B, I), h_prev, c_prev (B, H), W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H,).
    clamp: optional {gate: value}, gate "i", "f" or "o": that gate is set to value.
    Returns (h (B, H), c (B, H), cache)."""
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H) a_t
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)  # (B, H) each
    i = sigmoid(a_i)
    f = sigmoid(a_f)
    g = np.tanh(a_g)
    o = sigmoid(a_o)
    clamp = clamp or {}  # gate surgery: a clamped gate is a constant, whatever a_t
    i, f, o = (np.full_like(v, clamp[k]) if k in clamp else v for k, v in zip("ifo", (i, f, o)))
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, LSTMStepCache(x_t, h_prev, c_prev, i, f, g, o, c, h, W_ih, W_hh, tuple(clamp))


def lstm_step_backward(dh, dc, cache: LSTMStepCache) -> LSTMStepGrads:
    """dh (B, H): the total dL/dh_t; dc (B, H): dL/dc_t through c_{t+1} only (zeros at the
    last step unless the final cell state has a gradient). Returns this step's gradients."""
    x_t, h_prev, c_prev, i, f, g, o = cache.x_t, cache.h_prev, cache.c_prev, cache.i, cache.f, cache.g, cache.o
    tanh_c = np.tanh(cache.c)  # tanh(c_t), recomputed from the cache
    dc = dc + dh * o * (1 - tanh_c**2)  # backprop through h = o * tanh(c): the total dL/dc_t
    do = dh * tanh_c  # backprop through h = o * tanh(c) into o
    di = dc * g  # backprop through c = f * c_prev + i * g into i
    dg = dc * i  # ... into g
    df = dc * c_prev  # ... into f
    dc_prev = dc * f  # ... into c_prev
    da_i = di * i * (1 - i)  # backprop through sigmoid
    da_f = df * f * (1 - f)  # backprop through sigmoid
    da_g = dg * (1 - g**2)  # backprop through tanh
    da_o = do * o * (1 - o)  # backprop through sigmoid
    # gate surgery: a clamped gate is a constant, so nothing reaches its pre-activation
    da_i, da_f, da_o = (np.zeros_like(d) if k in cache.clamped else d for k, d in zip("ifo", (da_i, da_f, da_o)))
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)  # (B, 4H) dL/da_t, torch's gate order
    dx = da @ cache.W_ih  # backprop through W_ih x_t
    dh_prev = da @ cache.W_hh  # backprop through W_hh h_{t-1}
    dW_ih = da.T @ x_t  # (4H, I) the weights' share of this step
    dW_hh = da.T @ h_prev  # (4H, H)
    db = da.sum(axis=0)  # (4H,) both biases are added to a_t as they are
    return LSTMStepGrads(dx, dh_prev, dc_prev, dW_ih, dW_hh, db, db.copy(), dc)


# --- a whole sequence -------------------------------------------------------------


@dataclass
class LSTMCache:
    """Every step's cache, in order; the trace shows them."""

    steps: list[LSTMStepCache] = field(default_factory=list)


@dataclass
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


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh, gate_override=None):
    """x (B, T, I), h0, c0 (B, H), weights as lstm_step_forward. gate_override: optional
    {gate: (value, from_step)}, gate "i", "f" or "o", value in [0, 1]: that gate is clamped
    to value at every step t >= from_step. Returns (out (B, T, H), hT, cT (B, H), cache)."""
    surgery = check_gate_override(gate_override)
    W_ih, W_hh = W_ih.copy(), W_hh.copy()  # this pass's own: backward differentiates the pass that ran
    h, c, steps = h0, c0, []
    for t in range(x.shape[1]):
        clamp = {k: value for k, (value, t0) in surgery.items() if t >= t0}
        h, c, cache_t = lstm_step_forward(x[:, t], h, c, W_ih, W_hh, b_ih, b_hh, clamp)
        steps.append(cache_t)
    out = np.stack([s.h for s in steps], axis=1)  # (B, T, H)
    return out, h.copy(), c.copy(), LSTMCache(steps)  # copies: the caller may change them


def lstm_backward(dout, dhT, dcT, cache: LSTMCache) -> LSTMGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT, dcT (B, H) = dL/dh_T, dL/dc_T or None."""
    x_0, W_ih, W_hh = cache.steps[0].x_t, cache.steps[0].W_ih, cache.steps[0].W_hh
    (B, I), T, H = x_0.shape, len(cache.steps), W_hh.shape[1]
    dout = np.zeros((B, T, H), x_0.dtype) if dout is None else dout
    dh_next = np.zeros((B, H), x_0.dtype) if dhT is None else dhT  # dL/dh_t through step t+1
    dc_next = np.zeros((B, H), x_0.dtype) if dcT is None else dcT  # dL/dc_t through c_{t+1}
    dx, dh_all, dc_all = np.empty((B, T, I), x_0.dtype), np.empty((B, T, H), x_0.dtype), np.empty((B, T, H), x_0.dtype)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros(4 * H, x_0.dtype), np.zeros(4 * H, x_0.dtype)
    for t in reversed(range(T)):
        dh = dout[:, t] + dh_next  # the total dL/dh_t
        g = lstm_step_backward(dh, dc_next, cache.steps[t])
        dx[:, t], dh_all[:, t], dc_all[:, t] = g.dx, dh, g.dc
        dh_next, dc_next = g.dh_prev, g.dc_prev
        dW_ih += g.dW_ih  # the weights are shared by every step: their gradients add up
        dW_hh += g.dW_hh
        db_ih += g.db_ih
        db_hh += g.db_hh
    return LSTMGrads(dx, dh_next, dc_next, dW_ih, dW_hh, db_ih, db_hh, dh_all, dc_all)


def lstm_trace(cache: LSTMCache):
    """(h, c (B, T, H), gates {"i", "f", "g", "o": (B, T, H)}) of the pass, for the layer's trace."""
    def stack(name):
        return np.stack([getattr(s, name) for s in cache.steps], axis=1)

    return stack("h"), stack("c"), {k: stack(k) for k in "ifgo"}
