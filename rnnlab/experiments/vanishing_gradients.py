"""Vanishing and exploding gradients: ‖∂L/∂h_k‖ against the distance T − k.

One recurrent layer from ``rnnlab.nn`` (float64, so that gradients down to
1e-300 stay representable) reads a seeded random input sequence x (1, T, 8).
The loss sits on the last step only, L = w · h_T for a fixed random unit
vector w, so ‖∂L/∂h_T‖ = 1. After ``backward`` the layer's trace holds
∂L/∂h_k for every k; the chart plots its norm against the distance T − k.

W_hh is rescaled to spectral radius ρ: the whole (H, H) matrix for the RNN;
for the LSTM and GRU each gate's (H, H) block of ``weight_hh_l0`` on its own.
The gate-bias control sets the LSTM forget gate's bias (``bias_ih_l0[H:2H]``,
with ``bias_hh_l0[H:2H]`` = 0) or the GRU update gate's bias (the same slot,
gate order r, z, n): the larger it is, the more of the old state each step keeps.

For the RNN, backprop through one step is ∂L/∂h_{k-1} = W_hhᵀ (f'(a_k) ⊙ ∂L/∂h_k)
with |f'| ≤ γ = 1 for tanh, ReLU and the identity, so
‖∂L/∂h_k‖ ≤ (γ σ_max(W_hh))^{T−k} ‖∂L/∂h_T‖ — the bound drawn beside the
measurement. σ_max ≥ ρ, and for a non-symmetric W_hh often clearly larger.

Clipping rescales the whole parameter gradient g by min(1, c / ‖g‖) (the
engine's ``clip_grad_norm``): its direction is kept, its size capped. The
"after clipping" series is ‖∂L/∂h_k‖ times that factor: every term of the
clipped gradient is scaled alike, so this is the backward signal at step k as
the clipped update sees it.
"""

from __future__ import annotations

import json
import math
from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts

ID = "vanishing-gradients"
TITLE = "Gradients over distance"
STEP = 4
KIND = "quick"

INPUT_SIZE = 8  # width of the random input x_t
GAMMA = 1.0  # max |f'| for tanh, ReLU and the identity
DECADES_ABOVE = 3  # the chart's y axis ends this many decades above the largest measured norm


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    cell: Literal["rnn", "lstm", "gru"] = Field(
        "rnn", title="Cell", description="Vanilla RNN, LSTM or GRU.")
    nonlinearity: Literal["tanh", "relu", "linear"] = Field(
        "tanh", title="RNN nonlinearity",
        description="The RNN's activation f in h_t = f(W_ih x_t + W_hh h_{t-1} + b); ignored for LSTM and GRU.")
    spectral_radius: float = Field(
        0.9, ge=0.1, le=2.0, title="Spectral radius ρ of W_hh",
        description="Largest |eigenvalue| of the recurrent weights (of each gate block for LSTM/GRU).")
    seq_len: int = Field(
        100, ge=2, le=200, title="Sequence length T", description="Number of time steps; the loss sits on the last one.")
    hidden_size: int = Field(
        32, ge=4, le=128, title="Hidden size H", description="Number of hidden units.")
    gate_bias: float = Field(
        1.0, ge=-3.0, le=5.0, title="Forget-gate bias (LSTM) / update-gate bias (GRU)",
        description="Bias of the gate that decides how much of the old state is kept; ignored for the RNN.")
    clip_norm: float = Field(
        10.0, ge=0.0, le=100.0, title="Clip gradient norm at c",
        description="Clipping threshold for the norm of the whole parameter gradient; 0 turns clipping off.")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for the weights and the input.")


class Result(BaseModel):
    cell: str
    nonlinearity: str
    seq_len: int
    hidden_size: int
    spectral_radius: float  # ρ as measured after rescaling (of the RNN's W_hh; of gate blocks otherwise)
    sigma_max: float | None  # largest singular value of the RNN's W_hh; None for gated cells
    distance: list[int]  # T − k, from 0 (the last step) to T − 1
    grad_norm: list[float]  # ‖∂L/∂h_k‖ at each distance
    bound: list[float] | None  # (γ σ_max)^{T−k} ‖∂L/∂h_T‖, RNN only
    decay_per_step: float  # geometric-mean ratio ‖∂L/∂h_{k-1}‖ / ‖∂L/∂h_k‖ out to the farthest non-zero one
    param_grad_norm: float  # ‖∂L/∂θ‖ over all parameters, before clipping
    clip_norm: float  # the threshold c (0 = off)
    clip_scale: float  # min(1, c / ‖∂L/∂θ‖), 1 when off
    clipped: list[float] | None  # grad_norm × clip_scale when clipping changed something
    gate_bias: float  # the LSTM forget / GRU update gate bias used (ignored by the RNN)


def _compact(a: np.ndarray) -> list[float]:
    return [float(f"{v:.5g}") for v in a]


def build_layer(p: Params) -> nn.Module:
    """The layer with W_hh at spectral radius ρ and the gate bias set (float64)."""
    kw = dict(input_size=INPUT_SIZE, hidden_size=p.hidden_size, dtype=np.float64, seed=p.seed)
    if p.cell == "rnn":
        layer = nn.RNN(nonlinearity=p.nonlinearity, **kw)
    else:
        layer = (nn.LSTM if p.cell == "lstm" else nn.GRU)(**kw)
    W_hh = layer.params["weight_hh_l0"]  # (G*H, H)
    H = p.hidden_size
    for g in range(W_hh.shape[0] // H):
        W_hh[g * H:(g + 1) * H] = nn.init.set_spectral_radius(W_hh[g * H:(g + 1) * H], p.spectral_radius)
    if p.cell != "rnn":  # LSTM f (i, f, g, o) and GRU z (r, z, n) both sit in rows H:2H
        layer.params["bias_ih_l0"][H:2 * H] = p.gate_bias
        layer.params["bias_hh_l0"][H:2 * H] = 0.0
    return layer


def run(params: Params, progress=None) -> Result:
    p = params
    T, H = p.seq_len, p.hidden_size
    layer = build_layer(p)
    rng = np.random.default_rng([p.seed, 1])
    x = rng.standard_normal((1, T, INPUT_SIZE))  # (B=1, T, I)
    w = rng.standard_normal(H)
    w /= np.linalg.norm(w)

    out, _ = layer.forward(x)  # (1, T, H)
    dout = np.zeros_like(out)
    dout[0, -1] = w  # L = w · h_T
    layer.backward(dout)
    dh = layer.trace.dh[0]  # (T, H), ∂L/∂h_k
    norms = np.linalg.norm(dh, axis=1)[::-1]  # (T,), index = distance T − k

    W_hh = layer.params["weight_hh_l0"]
    if p.cell == "rnn":
        sigma_max = float(np.linalg.norm(W_hh, 2))
        bound = norms[0] * (GAMMA * sigma_max) ** np.arange(T)
        rho = nn.init.spectral_radius(W_hh)
    else:
        sigma_max, bound = None, None
        rho = max(nn.init.spectral_radius(W_hh[g * H:(g + 1) * H]) for g in range(W_hh.shape[0] // H))

    grads = list(layer.grads.values())
    total = float(nn.clip_grad_norm(grads, p.clip_norm)) if p.clip_norm > 0 else \
        float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    scale = min(1.0, p.clip_norm / total) if p.clip_norm > 0 and total > 0 else 1.0

    far = int(np.flatnonzero(norms > 0)[-1])  # the farthest distance with a non-zero gradient
    decay = float((norms[far] / norms[0]) ** (1.0 / far)) if far > 0 else 1.0
    return Result(
        cell=p.cell, nonlinearity=p.nonlinearity, seq_len=T, hidden_size=H,
        spectral_radius=round(rho, 6), sigma_max=None if sigma_max is None else round(sigma_max, 6),
        distance=list(range(T)), grad_norm=_compact(norms),
        bound=None if bound is None else _compact(bound),
        decay_per_step=round(decay, 6), param_grad_norm=float(f"{total:.6g}"),
        clip_norm=p.clip_norm, clip_scale=float(f"{scale:.6g}"),
        clipped=_compact(norms * scale) if scale < 1.0 else None, gate_bias=p.gate_bias,
    )


def _cell_name(r: Result) -> str:
    return {"lstm": "LSTM", "gru": "GRU"}.get(r.cell, f"{r.nonlinearity} RNN")


def _top(r: Result) -> float | None:
    """The y axis's upper end when the bound would squash the measurement, else None.

    A growing bound reaches 1e16 and more; the axis stops DECADES_ABOVE decades
    above the largest measured norm instead, and the bound leaves the chart."""
    highest = max(r.grad_norm)
    if r.bound is None or highest <= 0:
        return None
    top = 10.0 ** (math.ceil(math.log10(highest)) + DECADES_ABOVE)
    return top if max(r.bound) > top else None


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    measured = "‖∂L/∂h_k‖ measured"
    series = [(measured, r.grad_norm)]
    if r.bound is not None:
        series.append(("bound (γ·σ_max)^(T−k)", r.bound))
    if r.clipped is not None:
        series.append((f"after clipping to c = {charts.fmt(r.clip_norm)}", r.clipped))
    rows = [{"series": name, "distance": r.distance, "norm": values} for name, values in series]
    names = [name for name, _ in series]
    top = _top(r)

    if r.sigma_max is not None:
        subtitle = [f"{_cell_name(r)}, H = {r.hidden_size}: ρ(W_hh) = {charts.fmt(r.spectral_radius)}, "
                    f"σ_max(W_hh) = {charts.fmt(r.sigma_max)}"]
    else:
        subtitle = [f"{_cell_name(r)}, H = {r.hidden_size}, gate bias {charts.fmt(r.gate_bias)}",
                    f"each W_hh gate block at ρ = {charts.fmt(r.spectral_radius)}; no simple bound"]
    subtitle.append(f"×{charts.fmt(r.decay_per_step)} per step back on average")
    if top is not None:
        leaves = next(d for d, b in zip(r.distance, r.bound) if b > top)
        subtitle.append(f"the bound leaves the chart at T − k = {leaves}: it grows "
                        f"×{charts.fmt(GAMMA * r.sigma_max)} per step")
    if r.clip_norm > 0:
        subtitle.append(f"parameter gradient norm {charts.fmt(r.param_grad_norm)}"
                        + (f", clipped to {charts.fmt(r.clip_norm)}" if r.clip_scale < 1 else ", under the clip threshold"))

    dash = alt.Scale(domain=names, range=[[1, 0], [6, 4], [2, 3]][: len(names)])
    encoding = alt.FacetedEncoding(
        x=alt.X("distance:Q", title="distance from the loss, T − k (steps)",
                scale=alt.Scale(domain=[0, max(r.seq_len - 1, 1)], nice=False)),
        y=alt.Y("norm:Q", title="gradient norm ‖∂L/∂h_k‖ (log scale)",
                scale=alt.Scale(type="log") if top is None else alt.Scale(type="log", domainMax=top),
                axis=alt.Axis(format=".0e")),
        color=alt.Color("series:N", scale=charts.colour_scale(names), legend=charts.legend()),
        strokeDash=alt.StrokeDash("series:N", scale=dash, legend=charts.legend()),
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("distance:Q", title="T − k"),
                 alt.Tooltip("norm:Q", format=".3e")],
    )

    def view(keep: str, width: float) -> alt.Chart:
        return alt.Chart(
            charts.data("gradients"),
            transform=[alt.FlattenTransform(flatten=["distance", "norm"]),
                       alt.FilterTransform(filter=f"({keep}) && datum.norm > 0")],  # log axis: no exact zeros
            mark=alt.MarkDef(type="line", strokeWidth=width, clip=True), encoding=encoding)

    # the measurement is drawn last, on top of a bound or clipped line that may run close to it;
    # an empty layer (a gated cell, no clipping) would only give Vega an empty extent to warn about
    others = [view(f"datum.series !== {json.dumps(measured)}", 2.0)] if len(series) > 1 else []
    return charts.finish(
        alt.LayerChart(layer=[*others, view(f"datum.series === {json.dumps(measured)}", 3.0)],
                       width="container", height=charts.HEIGHT,
                       title=charts.title("How far back does the gradient reach?", subtitle)),
        gradients=rows,
    )
