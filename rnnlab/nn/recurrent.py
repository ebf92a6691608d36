"""The recurrent layers nn.RNN, nn.LSTM, nn.GRU: parameters, stacked layers, the trace.

Shape letters: L num_layers, B batch, T time, I input_size, H hidden_size,
G gates per cell (1 RNN, 4 LSTM, 3 GRU).

    out, state = layer.forward(x, state=None, gate_override=None)  x (B, T, I) -> out (B, T, H), last layer
    dx, dstate0 = layer.backward(dout, dstate=None)                dx like x; dstate0 like state

state is h (L, B, H) for RNN and GRU and a pair (h, c), each (L, B, H), for
LSTM, as in torch; None means zeros. Parameters have torch's names and shapes,
``weight_ih_l{k}`` (G*H, I for k = 0 else H), ``weight_hh_l{k}`` (G*H, H),
``bias_ih_l{k}`` and ``bias_hh_l{k}`` (G*H,), with torch's gate order. The maths
lives in the cells' modules; these classes hold the parameters, add into the
gradients and expose the last pass as a read-only ``trace``.

Two implementations, one contract: ``impl="fast"`` (the default) runs nn.fast.rnn,
nn.fast.lstm, nn.fast.gru; ``impl="reference"`` runs nn.rnn, nn.lstm, nn.gru, the
step functions the lesson shows. Outputs, gradients and the trace agree (float64:
to 1e-12, tests/nn/test_impl_parity.py). Gate surgery (``gate_override``, LSTM
only, see nn.lstm) works in both.

Inputs of another dtype are cast to the layer's dtype (float32 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from rnnlab.nn import checks, gru, lstm, rnn
from rnnlab.nn.fast import gru as fast_gru
from rnnlab.nn.fast import lstm as fast_lstm
from rnnlab.nn.fast import rnn as fast_rnn
from rnnlab.nn.init import uniform_default
from rnnlab.nn.module import Module

IMPLS = ("fast", "reference")
_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True)
class LayerTrace:
    """One layer's last pass; every array is (B, T, H) and read-only; index t is step t.

    h[:, t]      the hidden state h_t after step t (the layer's output at t).
    c[:, t]      the cell state c_t (LSTM; None otherwise).
    gates        gate name -> activations at every step: 'i', 'f', 'g', 'o' (LSTM),
                 'r', 'z', 'n' (GRU); empty for RNN.
    dh[:, t]     after backward (None before): dL/dh_t, the TOTAL gradient of the
                 loss w.r.t. h_t: the gradient arriving at the output at t (from the
                 loss, or from the layer above) plus everything flowing back into h_t
                 from step t+1 (for the last step, the final-state gradient). This is
                 the quantity that vanishes or explodes over distance.
    dc[:, t]     likewise the total dL/dc_t for LSTM (through h_t and through c_{t+1}).
    """

    h: np.ndarray
    c: np.ndarray | None = None
    gates: Mapping[str, np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    dh: np.ndarray | None = None
    dc: np.ndarray | None = None


@dataclass(frozen=True)
class Trace:
    """Every layer's trace, bottom first; ``h``, ``c``, ``gates``, ``dh``, ``dc`` are the last layer's."""

    layers: tuple[LayerTrace, ...]

    @property
    def h(self) -> np.ndarray:
        return self.layers[-1].h

    @property
    def c(self) -> np.ndarray | None:
        return self.layers[-1].c

    @property
    def gates(self) -> Mapping[str, np.ndarray]:
        return self.layers[-1].gates

    @property
    def dh(self) -> np.ndarray | None:
        return self.layers[-1].dh

    @property
    def dc(self) -> np.ndarray | None:
        return self.layers[-1].dc


class _Recurrent(Module):
    """What RNN, LSTM and GRU share: parameters, stacking, checks, the trace."""

    G = 1  # gates per cell
    STATE_PARTS = 1  # 1: state is h; 2: state is (h, c)
    CELLS: dict = {}  # impl -> the module of the cell's sequence functions

    def __init__(self, input_size, hidden_size, num_layers=1, dtype=np.float32, seed=0, impl="fast"):
        super().__init__()
        self.input_size = checks.positive_int(input_size, "input_size")
        self.hidden_size = H = checks.positive_int(hidden_size, "hidden_size")
        self.num_layers = checks.positive_int(num_layers, "num_layers")
        self.dtype = checks.float_dtype(dtype)
        if impl not in IMPLS:
            raise ValueError(f"impl: expected one of {IMPLS}, got {impl!r}")
        self.impl = impl
        rng = np.random.default_rng(seed)
        for k in range(self.num_layers):
            n_in = self.input_size if k == 0 else H
            shapes = ((self.G * H, n_in), (self.G * H, H), (self.G * H,), (self.G * H,))
            for name, shape in zip(_WEIGHTS, shapes):
                self.add_param(f"{name}_l{k}", uniform_default(shape, H, rng, self.dtype))
        self._caches: list | None = None  # one per layer, from the last forward
        self._layer_grads: list | None = None  # one per layer, from the last backward

    @property
    def _cell(self):
        """The module of this cell's sequence functions (looked up, not held: a layer pickles without it)."""
        return self.CELLS[self.impl]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size}, "
                f"num_layers={self.num_layers}, dtype={self.dtype.name}, impl={self.impl!r})")

    def _weights(self, k: int) -> tuple[np.ndarray, ...]:
        return tuple(self._params[f"{name}_l{k}"] for name in _WEIGHTS)

    def _pack(self, parts: tuple) -> np.ndarray | tuple:
        return parts[0] if self.STATE_PARTS == 1 else parts

    def _surgery(self, gate_override) -> dict:
        """The checked gate_override; only nn.LSTM has gates to clamp."""
        if gate_override:
            raise ValueError(f"gate_override: gate surgery clamps an LSTM's i, f or o gate; "
                             f"{type(self).__name__} has none to clamp, got {gate_override!r}")
        return {}

    def forward(self, x, state=None, gate_override=None):
        """x (B, T, I); state h (L, B, H), or (h, c) for LSTM, or None for zeros.
        gate_override (LSTM): {gate: (value, from_step)}, see nn.lstm; applied in every layer.
        Returns (out (B, T, H) of the last layer, final state like state)."""
        x = checks.sequence(x, self.input_size, self.dtype)
        surgery = self._surgery(gate_override)
        shape = (self.num_layers, x.shape[0], self.hidden_size)
        if state is None:
            state0 = tuple(np.zeros(shape, self.dtype) for _ in range(self.STATE_PARTS))
        else:
            state0 = checks.state(state, self.STATE_PARTS, shape, self.dtype)
        caches, finals = [], []
        inp = x
        for k in range(self.num_layers):
            inp, final, cache = self._layer_forward(inp, tuple(s[k] for s in state0), self._weights(k), surgery)
            caches.append(cache)
            finals.append(final)
        self._caches, self._layer_grads = caches, None
        self._out_shape = inp.shape
        return inp, self._pack(tuple(np.stack(parts) for parts in zip(*finals)))

    def backward(self, dout=None, dstate=None):
        """dout (B, T, H) = dL/dout or None (zeros); dstate = dL/d(final state), like state,
        or None. Adds into ``grads``; returns (dx (B, T, I), dstate0 = dL/d(initial state))."""
        if self._caches is None:
            raise ValueError("backward: expected a forward pass first, got none")
        L, (B, T, H) = self.num_layers, self._out_shape
        if dout is not None:
            dout = checks.finite_array(dout, self.dtype, "dout")
            if dout.shape != (B, T, H):
                raise ValueError(f"dout: expected shape {(B, T, H)} like out, got shape {dout.shape}")
        dfinal = None
        if dstate is not None:
            dfinal = checks.state(dstate, self.STATE_PARTS, (L, B, H), self.dtype, "dstate")
        d = dout
        dstate0, layer_grads = [None] * L, [None] * L
        for k in range(L - 1, -1, -1):
            dfinal_k = None if dfinal is None else tuple(s[k] for s in dfinal)
            d, dstate0[k], dweights, layer_grads[k] = self._layer_backward(d, dfinal_k, self._caches[k])
            for name, grad in zip(_WEIGHTS, dweights):
                self._grads[f"{name}_l{k}"] += grad
        self._layer_grads = layer_grads
        return d, self._pack(tuple(np.stack(parts) for parts in zip(*dstate0)))

    @property
    def trace(self) -> Trace | None:
        """The last pass, read-only (see LayerTrace); None before the first forward."""
        if self._caches is None:
            return None
        grads = self._layer_grads or [None] * self.num_layers
        return Trace(tuple(self._layer_trace(c, g) for c, g in zip(self._caches, grads)))

    def _layer_trace(self, cache, grads) -> LayerTrace:
        h, c, gates = self._cell_trace(cache)
        dh = None if grads is None else _read_only(grads.dh)
        dc = None if grads is None or c is None else _read_only(grads.dc)
        return LayerTrace(h=_read_only(h), c=None if c is None else _read_only(c),
                          gates=MappingProxyType({k: _read_only(v) for k, v in gates.items()}), dh=dh, dc=dc)


class RNN(_Recurrent):
    """Elman RNN, h_t = f(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), f = tanh | relu | linear.
    "linear" (the identity) is an rnnlab extension, not in torch."""

    CELLS = {"fast": fast_rnn, "reference": rnn}

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh",
                 dtype=np.float32, seed=0, impl="fast"):
        if nonlinearity not in rnn.NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {rnn.NONLINEARITIES}, got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, dtype, seed, impl)

    def _layer_forward(self, x, state0, weights, surgery):
        out, hT, cache = self._cell.rnn_forward(x, state0[0], *weights, self.nonlinearity)
        return out, (hT,), cache

    def _layer_backward(self, dout, dfinal, cache):
        g = self._cell.rnn_backward(dout, None if dfinal is None else dfinal[0], cache)
        return g.dx, (g.dh0,), (g.dW_ih, g.dW_hh, g.db_ih, g.db_hh), g

    def _cell_trace(self, cache):
        return self._cell.rnn_trace(cache)


class LSTM(_Recurrent):
    """LSTM as torch.nn.LSTM (gates i, f, g, o); state (h, c)."""

    G = 4
    STATE_PARTS = 2
    CELLS = {"fast": fast_lstm, "reference": lstm}

    def _surgery(self, gate_override) -> dict:
        return checks.gate_override(gate_override)

    def _layer_forward(self, x, state0, weights, surgery):
        out, hT, cT, cache = self._cell.lstm_forward(x, state0[0], state0[1], *weights, gate_override=surgery)
        return out, (hT, cT), cache

    def _layer_backward(self, dout, dfinal, cache):
        dhT, dcT = (None, None) if dfinal is None else dfinal
        g = self._cell.lstm_backward(dout, dhT, dcT, cache)
        return g.dx, (g.dh0, g.dc0), (g.dW_ih, g.dW_hh, g.db_ih, g.db_hh), g

    def _cell_trace(self, cache):
        return self._cell.lstm_trace(cache)


class GRU(_Recurrent):
    """GRU as torch.nn.GRU (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn)))."""

    G = 3
    CELLS = {"fast": fast_gru, "reference": gru}

    def _layer_forward(self, x, state0, weights, surgery):
        out, hT, cache = self._cell.gru_forward(x, state0[0], *weights)
        return out, (hT,), cache

    def _layer_backward(self, dout, dfinal, cache):
        g = self._cell.gru_backward(dout, None if dfinal is None else dfinal[0], cache)
        return g.dx, (g.dh0,), (g.dW_ih, g.dW_hh, g.db_ih, g.db_hh), g

    def _cell_trace(self, cache):
        return self._cell.gru_trace(cache)
