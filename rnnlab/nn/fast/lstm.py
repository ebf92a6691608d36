"""The LSTM cell, the fast path: the maths of ``nn.lstm`` (the reference, read that
first) arranged for speed, held equal to it by tests/nn/test_impl_parity.py.

Shape letters: B batch, T time, I input size, H hidden size.

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh                 (4H, B)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g                                   (H, B)
    h_t = o * tanh(c_t)                                         (H, B)

Vectors are columns, as in the equations (see fast/rnn.py): h_t is (H, B), and the
four gates are four contiguous row blocks of a_t. The parameters use torch's
gate order i, f, g, o; inside, the blocks are kept in the order i, f, o, g so
that the three sigmoid gates are contiguous: since sigmoid(a) = 0.5 tanh(a/2)
+ 0.5, one tanh then covers all four gates. ``lstm_forward`` reorders the
weights once per call and ``lstm_backward`` returns the weight gradients in
torch's order again; the step functions work in the i, f, o, g order.

Backward, the only sequential part of BPTT is linear. Given the forward pass,
every local derivative of a step (o * tanh'(c_t), each gate's derivative times
what it multiplies) is fixed, whatever the loss: ``lstm_local_derivatives``
computes them for many steps at once (all of them for a small batch; for a large
one, chunks of steps that fit in cache, just before the loop runs them). The
loop is then the linear recurrence

    dc_t = dh_t * o tanh'(c_t) + f_{t+1} * dc_{t+1}
    da_t = P_t * [dc_t, dc_t, dh_t, dc_t]          (P: the local derivatives, i f o g)
    dh_{t-1} = W_hh^T da_t + dL/dout_{t-1}

(``lstm_step_backprop``), and the weight gradients are one GEMM over all steps
after it, as in fast/rnn.py.

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

from rnnlab.nn.checks import gate_override as check_gate_override
from rnnlab.nn.fast._sequence import (HALF, carry, chunks, file_steps, gate_blocks, input_grad, input_projection,
                                      to_batch_first, to_columns, weight_grads)
from rnnlab.nn.lstm import LSTMGrads

CLAMPABLE = {"i": 0, "f": 1, "o": 2}  # the sigmoid gates and their blocks in the i, f, o, g order


@lru_cache(maxsize=64)
def ifog_order(H: int) -> np.ndarray:
    """Row index turning torch's i, f, g, o blocks into i, f, o, g (and back: it swaps g and o)."""
    order = np.concatenate([np.arange(2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])
    order.flags.writeable = False
    return order


def per_step(clamp_from, T: int) -> list:
    """Each step's {block: value} of clamped gates (None where no gate is clamped)."""
    if not clamp_from:
        return [None] * T
    return [{b: v for b, v, t0 in clamp_from if t >= t0} or None for t in range(T)]


# --- one step ---------------------------------------------------------------------


@dataclass(slots=True)
class LSTMStepCache:
    """What one step's backward needs."""

    c_prev: np.ndarray  # (H, B) c_{t-1}
    ifog: np.ndarray  # (4H, B) gate activations i, f, o, g
    tanh_c: np.ndarray  # (H, B) tanh(c_t)
    W_hh: np.ndarray  # (4H, H) rows in i, f, o, g order
    clamped: tuple[int, ...] = ()  # gate blocks (0 i, 1 f, 2 o) set to a constant at this step


@dataclass(slots=True)
class LSTMLocal:
    """The local derivatives of one step: what backprop multiplies the incoming gradients by.
    They depend on the forward pass only; with a leading T axis on every array they hold
    every step's at once. dL/da = P * [dc, dc, dh, dc], gate by gate."""

    dc_dh: np.ndarray  # (H, B) o * tanh'(c_t): dL/dc_t gets dh_t * this through h_t = o tanh(c_t)
    f: np.ndarray  # (H, B) f_t: dL/dc_{t-1} gets f_t * dL/dc_t through c_t = f c_{t-1} + i g
    P_i: np.ndarray  # (H, B) g * i'             (i' = i (1 - i), and so on)
    P_f: np.ndarray  # (H, B) c_{t-1} * f'
    P_o: np.ndarray  # (H, B) tanh(c_t) * o'
    P_g: np.ndarray  # (H, B) i * g'              (g' = 1 - g^2)


@dataclass(slots=True)
class LSTMStepGrads:
    """Gradients of one step (the weight gradients are gathered by lstm_backward)."""

    da: np.ndarray  # (4H, B) dL/da_t (i, f, o, g), also dL/dxw_t
    dh_prev: np.ndarray  # (H, B) dL/dh_{t-1} through this step
    dc_prev: np.ndarray  # (H, B) dL/dc_{t-1} through this step: f * dc
    dc: np.ndarray  # (H, B) the total dL/dc_t


def lstm_step_forward(xw_t, h_prev, c_prev, W_hh, *, clamp=None, ifog=None, c=None, tanh_c=None,
                      h=None, gates=None):
    """One step. xw_t (4H, B) = W_ih x_t + b_ih + b_hh (i, f, o, g); h_prev, c_prev (H, B);
    W_hh (4H, H) (i, f, o, g). clamp: optional {block: value} (blocks 0 i, 1 f, 2 o): that
    gate is set to value after its sigmoid (gate surgery). ifog (4H, B), c, tanh_c, h (H, B):
    optional preallocated C-contiguous outputs; gates: optional views (ifo, i, f, o, g) of
    ifog's blocks, so that a step in a loop does not slice. Returns (h_t, c_t, cache)."""
    H, half = h_prev.shape[0], HALF[h_prev.dtype.char]
    ifog = np.dot(W_hh, h_prev, ifog)  # W_hh h_{t-1} for all four gates in one product
    ifog += xw_t  # a_t
    if gates is None:
        gates = ifog[: 3 * H], ifog[:H], ifog[H : 2 * H], ifog[2 * H : 3 * H], ifog[3 * H :]
    ifo, i, f, o, g = gates
    ifo *= half  # a / 2 for i, f, o: sigmoid(a) = 0.5 * tanh(a / 2) + 0.5
    np.tanh(ifog, ifog)  # one tanh for all four gates; g = tanh(a_g)
    ifo *= half
    ifo += half  # i, f, o = sigmoid(a_i, a_f, a_o)
    if clamp:
        for block, value in clamp.items():
            ifog[block * H : (block + 1) * H] = value  # surgery: the gate is a constant
    c = np.multiply(f, c_prev, c)  # c_t = f * c_{t-1} ...
    tanh_c = np.multiply(i, g, tanh_c)  # (tanh_c holds i * g for a moment)
    c += tanh_c  # ... + i * g
    np.tanh(c, tanh_c)
    h = np.multiply(o, tanh_c, h)  # h_t = o * tanh(c_t)
    return h, c, LSTMStepCache(c_prev, ifog, tanh_c, W_hh, tuple(clamp) if clamp else ())


def lstm_local_derivatives(c_prev, ifog, tanh_c, P=None) -> LSTMLocal:
    """The local derivatives of a step from its forward values: c_prev, tanh_c (..., H, B) and
    ifog (..., 4H, B), for one step or, with a leading T axis, for several steps in one go.
    P: optional array like ifog to hold P_i, P_f, P_o, P_g."""
    i, f, o, g = gate_blocks(ifog)
    H = i.shape[-2]
    P = np.multiply(ifog, ifog, P)  # the activations' derivatives, all gates at once:
    np.subtract(ifog[..., : 3 * H, :], P[..., : 3 * H, :], out=P[..., : 3 * H, :])  # sigmoid' = s - s^2
    P_i, P_f, P_o, P_g = gate_blocks(P)
    P_i *= g  # dL/da_i = dc * g * i'
    P_f *= c_prev  # dL/da_f = dc * c_{t-1} * f'
    P_o *= tanh_c  # dL/da_o = dh * tanh(c_t) * o'
    np.subtract(1, P_g, out=P_g)  # tanh' = 1 - g^2
    P_g *= i  # dL/da_g = dc * i * g'
    dc_dh = np.multiply(tanh_c, tanh_c)
    np.subtract(1, dc_dh, out=dc_dh)
    dc_dh *= o  # o * tanh'(c_t) = o * (1 - tanh^2 c_t)
    return LSTMLocal(dc_dh, f, P_i, P_f, P_o, P_g)


def lstm_step_backprop(dh, dc_next, local: LSTMLocal, W_hh, *, da=None, da_gates=None, dc=None,
                       dh_prev=None, dc_prev=None) -> LSTMStepGrads:
    """The linear part of one step's backward. dh (H, B): the total dL/dh_t. dc_next (H, B):
    dL/dc_t through c_{t+1} only (the next step's dc_prev; at the last step the final-state
    gradient, or zeros). local: this step's local derivatives. da (4H, B) and dc, dh_prev,
    dc_prev (H, B): optional preallocated outputs, da_gates: optional views of da's four
    blocks. dc and dc_prev may be the same array as dc_next, and da's blocks local's P_i,
    P_f, P_o, P_g: each is read before it is written."""
    if da is None:
        da = np.empty((4 * dh.shape[0], dh.shape[1]), dh.dtype)
    da_i, da_f, da_o, da_g = gate_blocks(da) if da_gates is None else da_gates
    dc = np.multiply(dh, local.dc_dh, dc)  # backprop h_t = o * tanh(c_t) into c_t,
    dc += dc_next  # plus what comes through c_{t+1}: the total dL/dc_t
    np.multiply(local.P_i, dc, da_i)  # dL/da_i
    np.multiply(local.P_f, dc, da_f)  # dL/da_f
    np.multiply(local.P_o, dh, da_o)  # dL/da_o
    np.multiply(local.P_g, dc, da_g)  # dL/da_g
    dc_prev = np.multiply(dc, local.f, dc_prev)  # dL/dc_{t-1} through this step
    dh_prev = np.dot(W_hh.T, da, dh_prev)  # backprop through W_hh h_{t-1}
    return LSTMStepGrads(da, dh_prev, dc_prev, dc)


def lstm_step_backward(dh, dc_next, cache: LSTMStepCache, **buffers) -> LSTMStepGrads:
    """One step's backward: its local derivatives, then the linear part (lstm_step_backprop,
    which takes the same optional buffers). A clamped gate gets no gradient."""
    local = lstm_local_derivatives(cache.c_prev, cache.ifog, cache.tanh_c)
    for block in cache.clamped:
        (local.P_i, local.P_f, local.P_o)[block][...] = 0  # a clamped gate does not depend on a_t
    return lstm_step_backprop(dh, dc_next, local, cache.W_hh, **buffers)


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


def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh, gate_override=None):
    """x (B, T, I), h0, c0 (B, H), W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H,), torch's
    gate order. gate_override: optional {gate: (value, from_step)}, gate "i", "f" or "o",
    value in [0, 1]: that gate is clamped to value at every step t >= from_step.
    Returns (out (B, T, H), hT (B, H), cT (B, H), cache)."""
    clamp_from = tuple((CLAMPABLE[gate], value, t0)
                       for gate, (value, t0) in check_gate_override(gate_override).items())
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
    gates = zip(ifog[:, : 3 * H], *gate_blocks(ifog))  # each step's (ifo, i, f, o, g) views
    steps = zip(xw, hs, cs, ifog, gates, tanh_c, cs[1:], hs[1:], per_step(clamp_from, T))
    for xw_t, h_prev, c_prev, ifog_t, gates_t, tanh_c_t, c, h, clamp in steps:
        lstm_step_forward(xw_t, h_prev, c_prev, W_hh, clamp=clamp, ifog=ifog_t, gates=gates_t,
                          c=c, tanh_c=tanh_c_t, h=h)
    cache = LSTMCache(x_cols, hs, cs, ifog, tanh_c, W_ih, W_hh, clamp_from)
    return to_batch_first(hs[1:]), hs[T].T.copy(), cs[T].T.copy(), cache


def lstm_backward(dout, dhT, dcT, cache: LSTMCache) -> LSTMGrads:
    """dout (B, T, H) = dL/dout or None (zeros); dhT, dcT (B, H) = dL/dh_T, dL/dc_T or None."""
    hs, cs, W_hh = cache.hs, cache.cs, cache.W_hh
    T, H, B = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    dh = np.zeros((T, H, B), hs.dtype) if dout is None else to_columns(dout, hs.dtype)
    dh_carry = carry(dhT, H, B, hs.dtype)  # dL/dh_t through step t+1; at t = T-1 the final-state grad
    dc_carry = carry(dcT, H, B, hs.dtype)  # likewise dL/dc_t through c_{t+1}
    dc = np.empty((T, H, B), dtype=hs.dtype)
    da2 = np.empty((4 * H, T * B), dtype=hs.dtype)  # every step's dL/da_t side by side, for the GEMMs
    spans = chunks(T, 4 * H * B * hs.itemsize)  # (t0, t1), the last steps first
    da = np.empty((max(t1 - t0 for t0, t1 in spans), 4 * H, B), hs.dtype)  # a chunk's P, then dL/da_t
    for t0, t1 in spans:
        local = lstm_local_derivatives(cs[t0:t1], cache.ifog[t0:t1], cache.tanh_c[t0:t1], P=da[: t1 - t0])
        for block, _, t_clamp in cache.clamp_from:  # a clamped gate does not depend on a_t:
            (local.P_i, local.P_f, local.P_o)[block][max(t_clamp - t0, 0) :] = 0
        each_step = zip(local.dc_dh, local.f, local.P_i, local.P_f, local.P_o, local.P_g)
        for dh_t, local_t, da_t, dc_t in reversed(list(zip(dh[t0:t1], each_step, da, dc[t0:t1]))):
            dh_t += dh_carry  # dh[t] is now the total dL/dh_t
            lstm_step_backprop(dh_t, dc_carry, LSTMLocal(*local_t), W_hh, da=da_t, da_gates=local_t[2:],
                               dc=dc_t, dh_prev=dh_carry, dc_prev=dc_carry)  # dL/da_t in place of P
        file_steps(da2, t0, da[: t1 - t0])
    dW_ih, dW_hh, db = weight_grads(da2, cache.x, hs)
    order = ifog_order(H)  # back to torch's i, f, g, o
    return LSTMGrads(input_grad(da2, cache.W_ih, B), dh_carry.T.copy(), dc_carry.T.copy(),
                     dW_ih[order], dW_hh[order], db[order], db[order],
                     dh.transpose(2, 0, 1), dc.transpose(2, 0, 1))


def lstm_trace(cache: LSTMCache):
    """(h, c (B, T, H), gates {"i", "f", "g", "o": (B, T, H)}) of the pass as views, for the
    layer's trace."""
    blocks = dict(zip("ifog", gate_blocks(cache.ifog)))  # the cache keeps the gates as i, f, o, g
    return (cache.hs[1:].transpose(2, 0, 1), cache.cs[1:].transpose(2, 0, 1),
            {k: blocks[k].transpose(2, 0, 1) for k in "ifgo"})
