"""What the gate experiments (``lstm-gates``, ``gru-gates``) share: a small gated
model trained on the marked-symbol task, and the units × time heatmaps.

The model: ``nn.SequenceClassifier`` reading one-hot characters of
``rnnlab.tasks.marked`` (V = 6) with an LSTM or GRU of ``HIDDEN`` units, and a
``nn.Linear`` on its last hidden state scoring the four symbols. It is trained
at first use (``TRAIN_STEPS`` Adam steps, lr 0.01, gradient norm clipped at 1,
batches of 32 strings of a random length in [6, MAX_LEN], seed 0; about a
second) and memoised for the life of the process; every ``model(cell)`` is a
fresh copy, so concurrent requests never share a layer's cache.

Letters: B batch, T time, H hidden units, V alphabet size, K symbols.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
from pydantic import BaseModel, Field, field_validator

from rnnlab import nn
from rnnlab.experiments._trained import train_once
from rnnlab.experiments import _charts as charts
from rnnlab.tasks import marked

HIDDEN = 8  # few enough units to read every row of the heatmaps
TRAIN_STEPS = 800
BATCH = 32
LR = 0.01
SEED = 0
V = len(marked.ALPHABET)
K = len(marked.SYMBOLS)
EVAL_BATCH = 256
MIN_TRAIN_LEN = 6
PRESET = "cb*adcbadbcadcbdacbdacdbdacbabd?"  # the sequence both gate experiments open with


class SequenceParams(BaseModel):
    """The learner's marked-symbol string, which both gate experiments read."""

    model_config = {"extra": "forbid"}

    sequence: str = Field(
        PRESET, min_length=1, max_length=2 * marked.MAX_LEN, title="Sequence",
        description=f"Symbols {marked.SYMBOLS}, one mark {marked.MARK} before the symbol to remember, "
                    f"and the query {marked.QUERY} at the end ({marked.MIN_LEN}–{marked.MAX_LEN} characters).",
        examples=[PRESET, "a*bcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdc?", "dcbadcbadcbadcbadcba*c?"])

    @field_validator("sequence")
    @classmethod
    def _valid_sequence(cls, text: str) -> str:
        ids, _ = marked.parse(text)
        return "".join(marked.ALPHABET[i] for i in ids)


def one_hot(ids: np.ndarray) -> np.ndarray:
    """ids int (B, T) -> float32 (B, T, V)."""
    return nn.one_hot(ids, V)


def _new(cell: str) -> nn.SequenceClassifier:
    return nn.SequenceClassifier(cell, V, HIDDEN, K, seed=SEED)


@train_once
def trained(cell: str) -> tuple[dict, float]:
    """(state_dict, held-out accuracy over lengths 6 … MAX_LEN), trained once per process."""
    m = _new(cell)
    opt = nn.Adam(m.params, m.grads, lr=LR)
    rng = np.random.default_rng(SEED)
    for _ in range(TRAIN_STEPS):
        ids, target = marked.marked_batch(rng, BATCH, int(rng.integers(MIN_TRAIN_LEN, marked.MAX_LEN + 1)))
        m.zero_grad()
        _, dlogits = nn.softmax_cross_entropy(m.forward(one_hot(ids)), target)
        m.backward(dlogits)
        nn.clip_grad_norm(m.grads, 1.0)
        opt.step()
    lengths = range(MIN_TRAIN_LEN, marked.MAX_LEN + 1, 6)
    acc = np.mean([accuracy(m.forward, T, np.random.default_rng([SEED, 1, T])) for T in lengths])
    return m.state_dict(), float(acc)


def model(cell: str) -> nn.SequenceClassifier:
    """A fresh copy of the trained model."""
    m = _new(cell)
    m.load_state_dict(trained(cell)[0])
    return m


def accuracy(forward, T: int, rng: np.random.Generator, n: int = EVAL_BATCH) -> float:
    """Share of n held-out strings of length T answered right; forward: one-hot (B, T, V) -> logits (B, K)."""
    ids, target = marked.marked_batch(rng, n, T)
    return float(np.mean(np.argmax(forward(one_hot(ids)), axis=1) == target))


def rounded(a: np.ndarray, digits: int = 3) -> list:
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


# --- charts ---------------------------------------------------------------------


def x_axis(chars: list[str], title: str = "input character at step t") -> alt.X:
    labels = json.dumps(chars)
    return alt.X("t:O", title=title, scale=alt.Scale(domain=list(range(len(chars)))),
                 axis=alt.Axis(labelExpr=f"{labels}[datum.value]", labelAngle=0, labelOverlap=True))


def heatmap(blocks: dict[str, list[list[float]]], chars: list[str], title: str, colour: alt.Scale,
            value: str, subtitle: str | list[str] | None = None, marker: int | None = None) -> alt.TopLevelMixin:
    """Units × time heatmaps stacked in one view: blocks maps a row label to a grid (H, T).

    Each block takes H rows plus one blank row below it; the y axis names the
    block at its middle row. One view, not one per block: fewer Altair objects
    to build and validate. marker: a step whose left edge gets a vertical line
    over the last block (where gate surgery begins)."""
    names = list(blocks)
    H, T = len(blocks[names[0]]), len(chars)
    rows = [b * (H + 1) + u for b in range(len(names)) for u in range(H)]
    data = charts.table(t=[t for t in range(T) for _ in rows], row=rows * T,
                        v=[blocks[names[r // (H + 1)]][r % (H + 1)][t] for t in range(T) for r in rows])
    labels = json.dumps(chars)
    middle = {b * (H + 1) + H // 2: name for b, name in enumerate(names)}
    heat = alt.Chart(
        data, transform=[alt.CalculateTransform(calculate=f"{labels}[datum.t]", **{"as": "char"}),
                         alt.CalculateTransform(calculate=f"datum.row % {H + 1}", **{"as": "unit"})],
        mark=alt.MarkDef(type="rect"),
        encoding=alt.FacetedEncoding(
            x=x_axis(chars),
            y=alt.Y("row:O", title=f"{H} units each", scale=alt.Scale(domain=list(range(len(names) * (H + 1) - 1))),
                    axis=alt.Axis(ticks=False, labelExpr=f"{json.dumps({str(k): v for k, v in middle.items()})}"
                                                         "[datum.value] || ''", labelFontSize=11)),
            color=alt.Color("v:Q", title=value, scale=colour,
                            legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=150,
                                              titleFontSize=11)),
            tooltip=[alt.Tooltip("t:O", title="step"), alt.Tooltip("char:N", title="input"),
                     alt.Tooltip("unit:O"), alt.Tooltip("v:Q", title=value, format=".2f")]),
        width="container", height=7 * len(names) * (H + 1), title=charts.title(title, subtitle))
    if marker is None or not 0 <= marker < T:
        return heat
    last = (len(names) - 1) * (H + 1)
    line = alt.Chart(
        alt.InlineData(values=[{"t": marker, "row": last, "row2": last + H - 1}]),
        mark=alt.MarkDef(type="rule", color="black", strokeWidth=2.5, strokeDash=[4, 2]),
        encoding=alt.FacetedEncoding(x=alt.X("t:O", bandPosition=0), y=alt.Y("row:O", bandPosition=0),
                                     y2=alt.Y2("row2")))
    width, height, heat_title = heat.width, heat.height, heat.title
    heat.width = heat.height = heat.title = alt.Undefined
    return alt.LayerChart(layer=[heat, line], width=width, height=height, title=heat_title)
