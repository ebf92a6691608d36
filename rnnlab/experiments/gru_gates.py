"""GRU gates at work: update z, reset r, and z as the dial between old and new.

A small GRU (H = 8, see ``_gates``) has learned the marked-symbol task of
``rnnlab.tasks.marked``: remember the symbol after ``*`` until the query ``?``.
For the learner's string it shows, from the engine's trace:

- the update gate z and the reset gate r at every step, and the hidden state h,
  as units × time heatmaps;
- the update gate's role, in torch's convention h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}:
  for every unit and step, how much the state moved, |h_t − h_{t−1}|, against
  z_t. Since h_t − h_{t−1} = (1 − z_t)(n_t − h_{t−1}) and |n_t|, |h_{t−1}| ≤ 1,
  the move is at most 2 (1 − z_t): z ≈ 1 keeps the old state, z ≈ 0 rewrites it.

Letters: T time, H hidden units, K symbols.
"""

from __future__ import annotations

import altair as alt
import numpy as np
from pydantic import BaseModel

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments import _gates as gates
from rnnlab.tasks import marked

ID = "gru-gates"
TITLE = "Inside a trained GRU: update and reset gates"
STEP = 6
KIND = "quick"



class Params(gates.SequenceParams):
    """Only the sequence: the GRU has no gate surgery."""


class Result(BaseModel):
    chars: list[str]
    target: str  # the symbol after the mark
    hidden_size: int
    gates: dict[str, list[list[float]]]  # "z", "r" -> (H, T) activations
    hidden: list[list[float]]  # (H, T) h_t
    move: list[list[float]]  # (H, T) |h_t − h_{t−1}| (h_{−1} = 0)
    probs: list[float]  # (K,) the answer at the query
    answer: str
    accuracy: float  # held-out accuracy of the trained model (lengths 6 … MAX_LEN)
    identity_error: float  # max |(h_t − h_{t−1}) − (1 − z_t)(n_t − h_{t−1})| over units and steps


def run(params: Params, progress=None) -> Result:
    model = gates.model("gru")
    ids, target = marked.parse(params.sequence)
    logits = model.forward(gates.one_hot(ids[None]))  # (1, K)
    trace = model.trace
    h = np.asarray(trace.h[0], dtype=np.float64)  # (T, H)
    z, n = (np.asarray(trace.gates[g][0], dtype=np.float64) for g in "zn")
    h_prev = np.vstack([np.zeros((1, h.shape[1])), h[:-1]])  # (T, H)
    identity = np.max(np.abs((h - h_prev) - (1 - z) * (n - h_prev)))
    probs = nn.softmax(logits[0].astype(np.float64))
    return Result(
        chars=[marked.ALPHABET[i] for i in ids], target=marked.SYMBOLS[target], hidden_size=model.hidden_size,
        gates={g: gates.rounded(trace.gates[g][0].T, 3) for g in "zr"}, hidden=gates.rounded(h.T, 3),
        move=gates.rounded(np.abs(h - h_prev).T, 4), probs=gates.rounded(probs, 4),
        answer=marked.SYMBOLS[int(np.argmax(probs))], accuracy=round(gates.trained("gru")[1], 4),
        identity_error=float(f"{identity:.3g}"))


def warm_up() -> None:
    gates.trained("gru")


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    chars = r.chars
    heat_gates = gates.heatmap(
        {"z": r.gates["z"], "r": r.gates["r"]}, chars, "Update gate z and reset gate r",
        alt.Scale(scheme="viridis", domain=[0, 1]), "gate (0–1)",
        [f"GRU, {r.hidden_size} units, held-out accuracy {r.accuracy:.0%}",
         f"answer “{r.answer}” ({max(r.probs):.0%}); right: “{r.target}”"])
    heat_h = gates.heatmap({"h": r.hidden}, chars, "Hidden state h: the memory",
                           alt.Scale(scheme=charts.DIVERGING, domain=[-1, 1]), "h_t (−1 … 1)")

    H, T = r.hidden_size, len(chars)
    points = charts.table(z=[r.gates["z"][u][t] for u in range(H) for t in range(T)],
                          move=[r.move[u][t] for u in range(H) for t in range(T)],
                          t=[t for _ in range(H) for t in range(T)], unit=[u for u in range(H) for _ in range(T)])
    series = ["one unit at one step", "largest possible move 2 (1 − z)"]
    colour = alt.Color("what:N", scale=charts.colour_scale(series, [charts.SKY, charts.VERMILLION]),
                       legend=charts.legend())
    x = alt.X("z:Q", title="update gate z_t (0 = rewrite, 1 = keep)", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format="~g"))
    dots = alt.Chart(
        points, transform=[alt.CalculateTransform(calculate=f"'{series[0]}'", **{"as": "what"})],
        mark=alt.MarkDef(type="circle", size=30, opacity=0.6),
        encoding=alt.FacetedEncoding(
            x=x, y=alt.Y("move:Q", title="state change |h_t − h_{t−1}|", scale=alt.Scale(domain=[0, 2])),
            color=colour,
            tooltip=[alt.Tooltip("t:O", title="step"), alt.Tooltip("unit:O"), alt.Tooltip("z:Q", format=".3f"),
                     alt.Tooltip("move:Q", title="|h_t − h_{t−1}|", format=".3f")]))
    bound = alt.Chart(charts.data("bound"), mark=alt.MarkDef(type="line", strokeDash=[6, 4], strokeWidth=2),
                      encoding=alt.FacetedEncoding(x=x, y=alt.Y("move:Q"), color=colour))
    scatter = alt.LayerChart(
        layer=[bound, dots], width="container", height=220,
        title=charts.title("z is the dial between old and new state",
                           ["h_t = (1 − z_t) n_t + z_t h_{t−1}: near z = 1 the state barely moves",
                            f"identity checked on this trace to {charts.fmt(r.identity_error, 2)}"]))
    return charts.finish(alt.VConcatChart(vconcat=[heat_gates, heat_h, scatter], spacing=18),
                         bound=[{"z": 0.0, "move": 2.0, "what": series[1]}, {"z": 1.0, "move": 0.0, "what": series[1]}])
