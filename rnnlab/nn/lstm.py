"""The LSTM cell: step and sequence, forward and backward side by side.

Shape letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh                 (4H, B)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                                   (H, B)
    h_t = o * tanh(c_t)                                         (H, B)

Vectors are columns, as in the equations (see rnn.py): h_t is (H, B), and the
four gates are four contiguous row blocks of a_t. The parameters use torch's
gate order i, f, g, o; inside, the blocks are kept in the order i, f, o, g so
that the three sigmoid gates are contiguous and one sigmoid covers them.
``lstm_forward`` reorders the weights once per call and ``lstm_backward``
returns the weight gradients in torch's order again; the step functions work
in the i, f, o, g order.

As in rnn.py: every step's input projection in one call before the loop, one
matrix product per step for all four gates, and after the backward recurrence
one GEMM for all weight gradients.

Gate surgery, for the lesson: ``lstm_forward(..., gate_override={"f": (0.0, 12)})``
sets the forget gate to 0 at every step t >= 12, after its sigmoid and before it
is used; any of the sigmoid gates i, f, o may be clamped to a value in [0, 1].
A clamped gate is a constant, so ``lstm_backward`` sends no gradient into its
pre-activation (nor the weights behind it) at those steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rnnlab.nn.rnn import (carry, input_grad, input_projection, sigmoid_, to_batch_first, to_columns,
                          weight_grads)


CLAMPABLE = {"i": 0, "f": 1, "o": 2}  # the sigmoid gates and their blocks in the i, f, o, g order


@lru_cache(maxsize=64)
def ifog_order(H: int) -> np.ndarray:
    """Row index turning torch's i, f, g, o blocks into i, f, o, g (and back: it swaps g and o)."""
    order = np.concatenate([np.arange(2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])
    order.flags.writeable = False
    return order


# --- one step ---------------------------------------------------------------------


@dataclass(slots=True)
class LSTMStepCache:
    """What one step's backward needs."""

    c_prev: np.ndarray  # (H, B) c_{t-1}
    ifog: np.ndarray  # (4H, B) gate activations i, f, o, g
    tanh_c: np.ndarray  # (H, B) tanh(c_t)
    h: np.ndarray  # (H, B) h_t
    W_hh: np.ndarray  # (4H, H) rows in i, f, o, g order
    clamped: tuple[int, ...] = ()  # gate blocks (0 i, 1 f, 2 o) set to a constant at this step


@dataclass(slots=True)
class LSTMStepGrads:
    """Gradients of one step (the weight gradients are gathered by lstm_backward)."""

    da: np.ndarray  # (4H, B) dL/da_t (i, f, o, g), also dL/dxw_t
    dh_prev: np.ndarray  # (H, B) dL/dh_{t-1} through this step
    dc_prev: np.ndarray  # (H, B) dL/dc_{t-1} through this step: f * dc
    dc: np.ndarray  # (H, B) the total dL/dc_t


def lstm_step_forward(xw_t, h_prev, c_prev, W_hh, *, clamp=None, ifog=None, c=None, tanh_c=None,
                      h=None):
    """One step. xw_t (4H, B) = W_ih x_t + b_ih + b_hh (i, f, o, g); h_prev, c_prev (H, B);
    W_hh (4H, H) (i, f, o, g). clamp: optional {block: value} (blocks 0 i, 1 f, 2 o): that
    gate is set to value after its sigmoid (gate surgery). ifog (4H, B), c, tanh_c, h (H, B):
    optional preallocated C-contiguous outputs. Returns (h_t, c_t, cache)."""
    H = h_prev.shape[0]
    ifog = np.dot(W_hh, h_prev, out=ifog)  # W_hh h_{t-1} for all four gates in one product
    ifog += xw_t  # a_t
    sigmoid_(ifog[: 3 * H])  # i, f, o = sigmoid(a_i, a_f, a_o)
    if clamp:
        for block, value in clamp.items():
            ifog[block * H : (block + 1) * H] = value  # surgery: the gate is a constant
    i, f, o, g = ifog[:H], ifog[H : 2 * H], ifog[2 * H : 3 * H], ifog[3 * H :]
    np.tanh(g, out=g)  # g = tanh(a_g)
    c = np.multiply(f, c_prev, out=c)  # c_t = f * c_{t-1} ...
    tanh_c = np.multiply(i, g, out=tanh_c)  # (tanh_c holds i * g for a moment)
    c += tanh_c  # ... + i * g
    np.tanh(c, out=tanh_c)
    h = np.multiply(o, tanh_c, out=h)  # h_t = o * tanh(c_t)
    return h, c, LSTMStepCache(c_prev, ifog, tanh_c, h, W_hh, tuple(clamp) if clamp else ())


def lstm_step_backward(dh, dc_next, cache: LSTMStepCache, *, da=None, dc=None, dh_prev=None,
                       dc_prev=None, work=None) -> LSTMStepGrads:
    """dh (H, B): the total dL/dh_t. dc_next (H, B): dL/dc_t through c_{t+1} only (what the
    next step returned as dc_prev; at the last step the final-state gradient, or zeros).
    da, work (4H, B) and dc, dh_prev, dc_prev (H, B): optional preallocated outputs and
    scratch; dc_prev may be the same array as dc_next (it is read before it is written)."""
    H = dh.shape[0]
    ifog, tanh_c = cache.ifog, cache.tanh_c
    i, f, o, g = ifog[:H], ifog[H : 2 * H], ifog[2 * H : 3 * H], ifog[3 * H :]
    da = np.empty_like(ifog) if da is None else da
    di, df, do, dg = da[:H], da[H : 2 * H], da[2 * H : 3 * H], da[3 * H :]
    dc = np.multiply(cache.h, tanh_c, out=dc)  # backprop h_t = o * tanh(c_t) into c_t:
    np.subtract(o, dc, out=dc)  # o * tanh'(c_t) = o * (1 - tanh^2 c_t) = o - h_t * tanh(c_t)
    dc *= dh
    dc += dc_next  # total dL/dc_t: through h_t and through c_{t+1}
    np.multiply(dh, tanh_c, out=do)  # dL/do
    np.multiply(dc, g, out=di)  # dL/di   (c_t = f * c_{t-1} + i * g)
    np.multiply(dc, cache.c_prev, out=df)  # dL/df
    np.multiply(dc, i, out=dg)  # dL/dg
    dc_prev = np.multiply(dc, f, out=dc_prev)  # dL/dc_{t-1} through this step
    work = np.multiply(ifog, ifog, out=work)  # the activations' derivatives, all gates at once:
    np.subtract(ifog[: 3 * H], work[: 3 * H], out=work[: 3 * H])  # sigmoid' = s - s^2
    np.subtract(1, work[3 * H :], out=work[3 * H :])  # tanh' = 1 - g^2
    da *= work  # backprop through the activations: dL/da_t
    for block in cache.clamped:
        da[block * H : (block + 1) * H] = 0  # a clamped gate does not depend on a_t
    dh_prev = np.dot(cache.W_hh.T, da, out=dh_prev)  # backprop through W_hh h_{t-1}
    return LSTMStepGrads(da, dh_prev, dc_prev, dc)


# --- a whole sequence -------------------------------------------------------------


@dataclass(slots=True)
class LSTMCache:
    """The forward pass of one layer, in time-major columns; the trace shows it. The weights
    are the cache's own copies, so backward differentiates the pass that ran even if the
    parameters have been updated in place since."""

    x: np.ndarray  # (T, I, B)
    hs: np.ndarray  # (T + 1, H, B): hs[0] = h_0 (the initial state), hs[t + 1] = h_t
    cs: np.ndarray  # (T + 1, H, B): likewise c
    ifog: np.ndarray  # (T, 4H, B) gate activations, i, f, o, g
    tanh_c: np.ndarray  # (T, H, B)
    W_ih: np.ndarray  # (4H, I) rows i, f, o, g
    W_hh: np.ndarray  # (4H, H) rows i, f, o, g
    clamp_from: tuple[tuple[int, float, int], ...] = ()  # (block, value, first step) per clamped gate


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


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh, gate_override=None):
    """x (B, T, I), h0, c0 (B, H), W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H,), torch's
    gate order. gate_override: optional {gate: (value, from_step)}, gate "i", "f" or "o",
    value in [0, 1]: that gate is clamped to value at every step t >= from_step.
    Returns (out (B, T, H), hT (B, H), cT (B, H), cache)."""
    clamp_from = _clamps(gate_override)
    B, T, _ = x.shape
    H = W_hh.shape[1]
    order = ifog_order(H)
    W_ih, W_hh = W_ih[order], W_hh[order]  # i, f, g, o -> i, f, o, g (copies)
    x_cols, xw = input_projection(x, W_ih, (b_ih + b_hh)[order])  # (T, I, B), (T, 4H, B)
    hs = np.empty((T + 1, H, B), dtype=x.dtype)
    cs = np.empty((T + 1, H, B), dtype=x.dtype)
    hs[0], cs[0] = h0.T, c0.T
    ifog = np.empty((T, 4 * H, B), dtype=x.dtype)
    tanh_c = np.empty((T, H, B), dtype=x.dtype)
    steps = zip(xw, hs, cs, ifog, tanh_c, cs[1:], hs[1:], _per_step(clamp_from, T))
    for xw_t, h_prev, c_prev, ifog_t, tanh_c_t, c, h, clamp in steps:
        lstm_step_forward(xw_t, h_prev, c_prev, W_hh, clamp=clamp, ifog=ifog_t, c=c, tanh_c=tanh_c_t, h=h)
    cache = LSTMCache(x_cols, hs, cs, ifog, tanh_c, W_ih, W_hh, clamp_from)
    return to_batch_first(hs[1:]), hs[T].T.copy(), cs[T].T.copy(), cache


def _per_step(clamp_from, T: int) -> list:
    """Each step's {block: value} of clamped gates (None where no gate is clamped)."""
    if not clamp_from:
        return [None] * T
    return [{b: v for b, v, t0 in clamp_from if t >= t0} or None for t in range(T)]


def _clamps(gate_override) -> tuple[tuple[int, float, int], ...]:
    """{gate: (value, from_step)} -> ((block, value, from_step), ...); ValueError on anything else."""
    clamp_from = []
    for gate, spec in dict(gate_override or {}).items():
        if gate not in CLAMPABLE:
            raise ValueError(f"gate_override: expected gates among 'i', 'f', 'o', got {gate!r}")
        try:
            value, t0 = spec
        except (TypeError, ValueError):
            raise ValueError(f"gate_override[{gate!r}]: expected (value, from_step), got {spec!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 <= value <= 1:
            raise ValueError(f"gate_override[{gate!r}]: expected a value in [0, 1], got {value!r}")
        if isinstance(t0, bool) or not isinstance(t0, (int, np.integer)) or t0 < 0:
            raise ValueError(f"gate_override[{gate!r}]: expected from_step an integer >= 0, got {t0!r}")
        clamp_from.append((CLAMPABLE[gate], float(value), int(t0)))
    return tuple(clamp_from)


def lstm_backward(dout, dhT, dcT, cache: LSTMCache) -> LSTMGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT, dcT (B, H) = dL/dh_T, dL/dc_T or None."""
    hs, cs, ifog, tanh_c, W_hh = cache.hs, cache.cs, cache.ifog, cache.tanh_c, cache.W_hh
    T, H, B = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dh = np.zeros((T, H, B), hs.dtype) if dout is None else to_columns(dout, hs.dtype)
    dh_carry = carry(dhT, H, B, hs.dtype)  # dL/dh_t through step t+1; at t = T-1 the final-state grad
    dc_carry = carry(dcT, H, B, hs.dtype)  # likewise dL/dc_t through c_{t+1}
    da = np.empty((T, 4 * H, B), dtype=hs.dtype)  # dL/da_t for every step, for the weight GEMM
    dc = np.empty((T, H, B), dtype=hs.dtype)
    work = np.empty((4 * H, B), dtype=hs.dtype)
    clamped = [tuple(clamp) if clamp else () for clamp in _per_step(cache.clamp_from, T)]
    backwards = zip(dh[::-1], hs[:0:-1], cs[-2::-1], ifog[::-1], tanh_c[::-1], da[::-1], dc[::-1],
                    clamped[::-1])
    for dh_t, h, c_prev, ifog_t, tanh_c_t, da_t, dc_t, clamped_t in backwards:  # t = T-1, ..., 0
        dh_t += dh_carry  # dh[t] is now the total dL/dh_t
        lstm_step_backward(dh_t, dc_carry, LSTMStepCache(c_prev, ifog_t, tanh_c_t, h, W_hh, clamped_t),
                           da=da_t, dc=dc_t, dh_prev=dh_carry, dc_prev=dc_carry, work=work)
    dW_ih, dW_hh, db, da2 = weight_grads(da, cache.x, hs)
    order = ifog_order(H)  # back to torch's i, f, g, o
    return LSTMGrads(input_grad(da2, cache.W_ih, B), dh_carry.T.copy(), dc_carry.T.copy(),
                     dW_ih[order], dW_hh[order], db[order], db[order],
                     dh.transpose(2, 0, 1), dc.transpose(2, 0, 1))
