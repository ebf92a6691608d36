"""LSTM gates at work, gate surgery, and the gradient along the cell state.

A small LSTM (H = 8, see ``_gates``) has learned the marked-symbol task of
``rnnlab.tasks.marked``: remember the symbol after ``*`` until the query ``?``.
For the learner's string it shows, from the engine's trace:

- the input, forget and output gates i, f, o and the cell state c at every
  step, as units × time heatmaps;
- gate surgery: the same string run again through the model with one gate
  clamped to a value from step k on (the LSTM layer's ``gate_override``),
  the cell state and the answer that result, and the held-out accuracy under
  the same surgery on strings of the same length;
- how far back the answer reaches: the gradient of the right symbol's score
  at the query, L = z_y (a logit, so it does not vanish when the model is
  sure), with respect to the cell state, ‖∂L/∂c_k‖, and to the hidden state,
  ‖∂L/∂h_k‖, at every step k (both totals, from the trace after ``backward``).

Letters: T time, H hidden units, K symbols.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments import _gates as gates
from rnnlab.tasks import marked

ID = "lstm-gates"
TITLE = "Inside a trained LSTM: gates, cell state and gate surgery"
STEP = 5
KIND = "quick"

GATE_NAMES = {"forget": "f", "input": "i", "output": "o"}
CELL_RANGE = 2.0  # the cell heatmaps' colour saturates beyond ±this


class Params(gates.SequenceParams):
    surgery: Literal["none", "forget", "input", "output"] = Field(
        "forget", title="Gate surgery", description="Which gate to clamp from step k on (none: no surgery).")
    clamp_value: float = Field(0.0, ge=0.0, le=1.0, title="Clamp the gate to",
                               description="0: closed, 1: fully open.")
    clamp_from: int = Field(8, ge=0, le=marked.MAX_LEN - 1, title="From step k",
                            description="The first step (counting from 0) at which the gate is clamped.")


class Result(BaseModel):
    chars: list[str]
    target: str  # the symbol after the mark
    hidden_size: int
    gates: dict[str, list[list[float]]]  # "i", "f", "o" -> (H, T) activations
    cell: list[list[float]]  # (H, T) c_t
    probs: list[float]  # (K,) the answer at the query
    answer: str
    grad_c: list[float]  # (T,) ‖∂L/∂c_k‖
    grad_h: list[float]  # (T,) ‖∂L/∂h_k‖
    accuracy: float  # held-out accuracy of the trained model (lengths 6 … MAX_LEN)
    surgery: str
    clamp_value: float
    clamp_from: int
    surgery_cell: list[list[float]] | None  # (H, T) c_t with the gate clamped
    surgery_probs: list[float] | None
    surgery_answer: str | None
    surgery_accuracy: float | None  # held-out, strings of this length, same surgery


def _forward(model: nn.SequenceClassifier, x: np.ndarray, override) -> tuple[np.ndarray, nn.Trace]:
    """x (B, T, V) through the model with a gate override on its LSTM -> (logits (B, K), the trace)."""
    logits = model.forward(x, gate_override=override)
    return logits, model.trace


def run(params: Params, progress=None) -> Result:
    p = params
    model = gates.model("lstm")
    ids, target = marked.parse(p.sequence)
    x = gates.one_hot(ids[None])  # (1, T, V)
    T = len(ids)

    logits = model.forward(x)  # (1, K)
    model.backward(_score_grad(target))  # L = z_y
    trace = model.trace
    probs = nn.softmax(logits[0].astype(np.float64))
    grid = {name: gates.rounded(trace.gates[name][0].T, 2) for name in "ifo"}  # (H, T) each

    result = dict(surgery_cell=None, surgery_probs=None, surgery_answer=None, surgery_accuracy=None)
    if p.surgery != "none":
        override = {GATE_NAMES[p.surgery]: (p.clamp_value, p.clamp_from)}
        s_logits, s_trace = _forward(model, x, override)
        s_probs = nn.softmax(s_logits[0].astype(np.float64))
        rng = np.random.default_rng([gates.SEED, 2, T])
        result = dict(
            surgery_cell=gates.rounded(s_trace.c[0].T, 2), surgery_probs=gates.rounded(s_probs, 4),
            surgery_answer=marked.SYMBOLS[int(np.argmax(s_probs))],
            surgery_accuracy=round(gates.accuracy(lambda xb: _forward(model, xb, override)[0], T, rng), 4))
    return Result(
        chars=list(marked.ALPHABET[i] for i in ids), target=marked.SYMBOLS[target],
        hidden_size=model.hidden_size, gates=grid, cell=gates.rounded(trace.c[0].T, 2),
        probs=gates.rounded(probs, 4), answer=marked.SYMBOLS[int(np.argmax(probs))],
        grad_c=_norms(trace.dc[0]), grad_h=_norms(trace.dh[0]),
        accuracy=round(gates.trained("lstm")[1], 4), surgery=p.surgery, clamp_value=p.clamp_value,
        clamp_from=p.clamp_from, **result)


def _score_grad(target: int) -> np.ndarray:
    """∂z_y/∂logits (1, K): one at the right symbol."""
    d = np.zeros((1, gates.K), dtype=np.float32)
    d[0, target] = 1.0
    return d


def _norms(d: np.ndarray) -> list[float]:
    """(T, H) -> (T,) Euclidean norm per step, 4 significant digits."""
    return [float(f"{v:.4g}") for v in np.linalg.norm(d.astype(np.float64), axis=1)]


def _compare(keep_c: float, keep_h: float) -> str:
    """" (6.6× more along the cell)", or less; nothing when a norm is zero."""
    if keep_c <= 0 or keep_h <= 0:
        return ""
    ratio = keep_c / keep_h
    return f" ({charts.fmt(ratio, 2)}× more along the cell)" if ratio >= 1 else \
        f" ({charts.fmt(1 / ratio, 2)}× less along the cell)"


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    chars = r.chars
    gate_colour = alt.Scale(scheme="viridis", domain=[0, 1])
    cell_colour = alt.Scale(scheme=charts.DIVERGING, domain=[-CELL_RANGE, CELL_RANGE], clamp=True)
    panels = [gates.heatmap({"i": r.gates["i"], "f": r.gates["f"], "o": r.gates["o"]},
                            chars, "Gates: i write, f keep, o show", gate_colour, "gate (0–1)",
                            f"LSTM, {r.hidden_size} units, held-out accuracy {r.accuracy:.0%}")]
    cells = {"intact": r.cell}
    subtitle = [f"intact: answer “{r.answer}” ({max(r.probs):.0%}); right: “{r.target}”"]
    if r.surgery_cell is not None:
        g = GATE_NAMES[r.surgery]
        cells[f"{g} = {r.clamp_value:g}"] = r.surgery_cell
        subtitle += [f"with {g} clamped to {r.clamp_value:g} from step {r.clamp_from}: answer "
                     f"“{r.surgery_answer}” ({max(r.surgery_probs):.0%})",
                     f"held-out accuracy with this surgery {r.surgery_accuracy:.0%} (chance {1 / gates.K:.0%})"]
    subtitle.append(f"colour saturates beyond ±{CELL_RANGE:g}")
    panels.append(gates.heatmap(cells, chars, "Cell state c: the memory", cell_colour, "c", subtitle,
                                marker=r.clamp_from if r.surgery_cell is not None else None))

    series = ["cell state ‖∂L/∂c_k‖", "hidden state ‖∂L/∂h_k‖"]
    T = len(chars)
    keep_c, keep_h = r.grad_c[0] / r.grad_c[-1], r.grad_h[0] / r.grad_h[-1]
    grads = alt.Chart(
        charts.data("gradients"), transform=[alt.FlattenTransform(flatten=["t", "norm"])],
        mark=alt.MarkDef(type="line", point=True, strokeWidth=2),
        encoding=alt.FacetedEncoding(
            x=gates.x_axis(chars, "step k (input character)"),
            y=alt.Y("norm:Q", title="gradient norm (log scale)", scale=alt.Scale(type="log"),
                    axis=alt.Axis(format=".0e", tickCount=5)),
            color=alt.Color("series:N", scale=charts.colour_scale(series, [charts.ORANGE, charts.SKY]),
                            legend=charts.legend("gradient of the score z_y")),
            tooltip=[alt.Tooltip("series:N"), alt.Tooltip("t:O", title="k"), alt.Tooltip("norm:Q", format=".3g")]),
        width="container", height=170,
        title=charts.title("How far back does the answer reach?",
                           ["how much of its size each keeps from the query back to step 0:",
                            f"cell state {charts.fmt(keep_c, 2)}, hidden state {charts.fmt(keep_h, 2)}{_compare(keep_c, keep_h)}"]))
    rows = [{"series": name, "t": list(range(T)), "norm": values}
            for name, values in zip(series, [r.grad_c, r.grad_h])]
    return charts.finish(alt.VConcatChart(vconcat=[*panels, grads], spacing=18), gradients=rows)


def warm_up() -> None:
    gates.trained("lstm")
