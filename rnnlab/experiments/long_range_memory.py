"""Long-range memory: a tanh RNN and an LSTM race on the adding problem.

Each step of a sequence carries a value in U[0, 1] and a marker; two values
are marked, one in each half, and the target is their sum
(``rnnlab.tasks.adding``). Always answering 1 scores MSE ≈ 1/6 — the baseline,
estimated here from the generator itself. To beat it, a model must carry a
marked value across up to T steps.

Both models are ``nn.SequenceClassifier``s with one output: they read
x (B, T, 2) and put ``nn.Linear`` (H -> 1) on the last hidden state, one with a
tanh ``nn.RNN`` inside, one with an ``nn.LSTM`` (its ``bias_ih`` forget-gate part
set to 1 at the start, a common practice, so the gates begin mostly open),
H units each. They train side by side, one Adam step
each (lr 0.01, gradient norm clipped to 1, batches of 32 fresh sequences) per
training step, on the same batches. Every few steps (fewer for longer
sequences, so that reports arrive several times a second) ``progress``
receives both loss curves so far; at the end both models are scored on 1,000
held-out sequences.

Letters: B batch, T time, H hidden.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments.base import Diverged
from rnnlab.tasks.adding import adding_baseline_mse, adding_batch

ID = "long-range-memory"
TITLE = "Long-range memory: tanh RNN vs LSTM on the adding problem"
STEP = 4
KIND = "job"
TIME_LIMIT_S = 240  # the longest allowed run (T = 200, 4,000 steps) takes about a minute here

BATCH = 32
LR = 0.01
CLIP = 1.0
EVAL_BATCH = 1000
MODELS = ("tanh RNN", "LSTM")


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    seq_len: int = Field(100, ge=10, le=200, title="Sequence length T",
                         description="How far apart the two marked numbers can be.")
    hidden_size: int = Field(32, ge=8, le=64, title="Hidden size H", description="Units in each model.")
    train_steps: int = Field(2000, ge=100, le=4000, title="Training steps",
                             description="Adam steps for each model.")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for the weights and the data.")


class Result(BaseModel):
    seq_len: int
    baseline: float  # MSE of always predicting 1, estimated from the generator
    step: list[int]  # training step at the end of each reported interval
    rnn_loss: list[float]  # mean training MSE over each interval
    lstm_loss: list[float]
    done: bool  # False while training
    rnn_eval: float | None  # held-out MSE after training
    lstm_eval: float | None


def regressor(cell: str, hidden_size: int, seed: int) -> nn.SequenceClassifier:
    """x (B, T, 2) -> tanh RNN or LSTM -> h_T (B, H) -> Linear -> (B, 1)."""
    model = nn.SequenceClassifier(cell, 2, hidden_size, 1, seed=seed)
    if cell == "lstm":
        model.rnn.params["bias_ih_l0"][hidden_size:2 * hidden_size] = 1.0  # forget gates start mostly open
    return model


def report_every(T: int) -> int:
    """Steps between progress reports: the work per step grows with T."""
    return int(min(200, max(5, 1200 // T)))


def _step(model: nn.SequenceClassifier, opt: nn.Adam, x: np.ndarray, y: np.ndarray, name: str) -> float:
    model.zero_grad()
    loss, dpred = nn.mse(model.forward(x), y)
    if not math.isfinite(loss):
        raise Diverged(f"the {name}'s loss became {loss}; try another seed or a shorter sequence")
    model.backward(dpred)
    nn.clip_grad_norm(model.grads, CLIP)
    opt.step()
    return loss


def run(params: Params, progress=None) -> Result:
    p = params
    T = p.seq_len
    rnn, lstm = regressor("rnn", p.hidden_size, p.seed), regressor("lstm", p.hidden_size, p.seed)
    opts = [nn.Adam(m.params, m.grads, lr=LR) for m in (rnn, lstm)]
    baseline = adding_baseline_mse(np.random.default_rng([p.seed, 2]), T)
    rng = np.random.default_rng([p.seed, 1])
    every = report_every(T)
    result = Result(seq_len=T, baseline=round(baseline, 5), step=[], rnn_loss=[], lstm_loss=[],
                    done=False, rnn_eval=None, lstm_eval=None)
    sums = [0.0, 0.0]
    for i in range(1, p.train_steps + 1):
        x, y = adding_batch(rng, BATCH, T)
        for k, (model, opt, name) in enumerate(zip((rnn, lstm), opts, MODELS)):
            sums[k] += _step(model, opt, x, y, name)
        n = i - (result.step[-1] if result.step else 0)
        if i % every == 0 or i == p.train_steps:
            result.step.append(i)
            result.rnn_loss.append(float(f"{sums[0] / n:.5g}"))
            result.lstm_loss.append(float(f"{sums[1] / n:.5g}"))
            sums = [0.0, 0.0]
            if progress is not None and i < p.train_steps:
                progress(result.model_copy(deep=True), i / p.train_steps)

    x, y = adding_batch(np.random.default_rng([p.seed, 3]), EVAL_BATCH, T)
    result.rnn_eval = float(f"{nn.mse(rnn.forward(x), y)[0]:.5g}")
    result.lstm_eval = float(f"{nn.mse(lstm.forward(x), y)[0]:.5g}")
    result.done = True
    return result


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    curves = [{"model": name, "step": r.step, "mse": losses}
              for name, losses in zip(MODELS, (r.rnn_loss, r.lstm_loss))]
    lines = [{"label": f"predict 1 (baseline): {r.baseline:.3f}", "mse": r.baseline}]
    if r.done:
        subtitle = [f"held-out MSE: LSTM {charts.fmt(r.lstm_eval)}, tanh RNN {charts.fmt(r.rnn_eval)}",
                    f"the baseline (always answer 1) scores {r.baseline:.3f}"]
    else:
        latest = r.step[-1] if r.step else 0
        subtitle = [f"training… step {latest}", "below the dashed line = learned something"]
    colour = alt.Color("model:N", title=None, scale=charts.colour_scale(list(MODELS), [charts.ORANGE, charts.SKY]),
                       legend=charts.legend())
    curve = alt.Chart(charts.data("curves"), transform=[alt.FlattenTransform(flatten=["step", "mse"])]
                      ).mark_line(strokeWidth=2.5).encode(
        x=alt.X("step:Q", title="training step", scale=alt.Scale(domainMin=0)),
        y=alt.Y("mse:Q", title="mean squared error (log scale)", scale=alt.Scale(type="log")),
        color=colour,
        tooltip=[alt.Tooltip("model:N"), alt.Tooltip("step:Q"), alt.Tooltip("mse:Q", format=".4f")],
    )
    rule = alt.Chart(charts.data("baseline")).mark_rule(strokeDash=[6, 4], color=charts.GREY, strokeWidth=2).encode(
        y="mse:Q", tooltip=[alt.Tooltip("label:N", title="baseline")])
    label = alt.Chart(charts.data("baseline")).mark_text(align="left", dx=4, dy=-7, color=charts.GREY).encode(
        y="mse:Q", x=alt.value(0), text="label:N")
    return charts.finish(
        alt.layer(curve, rule, label, title=charts.title(f"Adding problem, T = {r.seq_len}: who remembers?",
                                                          subtitle))
        .properties(width="container", height=charts.HEIGHT),
        curves=curves, baseline=lines,
    )
