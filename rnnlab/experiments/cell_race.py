"""Cell race: a tanh RNN, an LSTM and a GRU trained side by side on the adding problem.

The three cells get the same budget of parameters: the LSTM's hidden size is
the control, and the GRU and the RNN get the hidden sizes whose parameter counts
come closest to the LSTM's (within 5 % for every allowed size). Each model is
``nn.SequenceClassifier`` (the LSTM's forget-gate bias starts at 1, as step 5
advises and as in ``long_range_memory``): the cell reads x (B, T, 2) and a ``nn.Linear`` maps
its last hidden state to one number, the predicted sum. The models train in
turns on the same batches (Adam, gradient norm clipped at 1); every
``EVAL_EVERY`` steps each is scored on the same held-out batch.

The bar to clear is the memoryless baseline: always predicting 1, the mean
sum, scores MSE ≈ 1/6 (computed from the generator,
``rnnlab.tasks.adding.adding_baseline_mse``). A cell "beats" it when its held-out
MSE falls below 90 % of it: a model that only predicts near the mean
wanders within a few percent of the baseline, one that remembers the
marked values drops far below it.

Letters: B batch, T time (sequence length).
"""

from __future__ import annotations

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments.base import Diverged
from rnnlab.tasks.adding import adding_baseline_mse, adding_batch

ID = "cell-race"
TITLE = "RNN vs LSTM vs GRU at the same parameter count"
STEP = 6
KIND = "job"
TIME_LIMIT_S = 180.0  # the default 4000 steps take about a minute on a busy 2-core machine

INPUT_SIZE = 2  # value and marker channels
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
NAMES = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
BATCH = 32
EVAL_BATCH = 500
EVAL_EVERY = 20  # training steps between held-out scores (and progress reports)
CLIP = 1.0
MAX_STEPS = 4000
LSTM_FORGET_BIAS = 1.0  # the LSTM's forget-gate bias at the start (bias_ih part), as in long-range-memory
BEAT_FRACTION = 0.9  # "below the baseline" means below this fraction of it


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    seq_len: int = Field(100, ge=20, le=200, title="Sequence length T",
                         description="Steps per sequence; the two marked values lie one in each half.")
    lstm_hidden: int = Field(16, ge=10, le=32, title="LSTM hidden size",
                             description="The GRU and the RNN get the hidden sizes that match the LSTM's "
                                         "parameter count.")
    steps: int = Field(2000, ge=100, le=MAX_STEPS, title="Training steps",
                       description="Batches of 32 sequences each cell trains on.")
    learning_rate: float = Field(0.02, ge=0.001, le=0.05, title="Learning rate", description="Adam's step size.")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for the weights and the data.")


class Racer(BaseModel):
    cell: str  # "rnn" | "lstm" | "gru"
    label: str  # e.g. "LSTM (H = 16, 1,297 params)"
    hidden_size: int
    n_params: int
    steps: list[int]  # training steps at which the held-out MSE was measured
    loss: list[float]  # held-out MSE at those steps
    beat_step: int | None  # first measured step below BEAT_FRACTION × baseline; None if never


class Result(BaseModel):
    seq_len: int
    baseline: float  # MSE of always predicting 1
    threshold: float  # BEAT_FRACTION × baseline
    steps_done: int
    total_steps: int
    racers: list[Racer]


def n_params(cell: str, hidden: int, input_size: int = INPUT_SIZE) -> int:
    """Parameters of SequenceClassifier(cell, input_size, hidden, 1): G H (I + H) + 2 G H + H + 1."""
    G = GATES[cell]
    return G * hidden * (input_size + hidden) + 2 * G * hidden + hidden + 1


def matched_hidden(cell: str, target: int) -> int:
    """The hidden size whose parameter count is closest to ``target``."""
    return min(range(1, 400), key=lambda h: abs(n_params(cell, h) - target))


def _racers(lstm_hidden: int) -> list[Racer]:
    target = n_params("lstm", lstm_hidden)
    racers = []
    for cell in ("rnn", "lstm", "gru"):
        H = matched_hidden(cell, target)
        count = n_params(cell, H)
        racers.append(Racer(cell=cell, label=f"{NAMES[cell]} (H = {H}, {count:,} params)", hidden_size=H,
                            n_params=count, steps=[], loss=[], beat_step=None))
    return racers


def run(params: Params, progress=None) -> Result:
    p = params
    racers = _racers(p.lstm_hidden)
    models = [nn.SequenceClassifier(r.cell, INPUT_SIZE, r.hidden_size, 1, seed=p.seed) for r in racers]
    for racer, model in zip(racers, models):
        if racer.cell == "lstm":  # forget gates start mostly open (bias 1), as step 5 advises
            model.rnn.params["bias_ih_l0"][racer.hidden_size:2 * racer.hidden_size] = LSTM_FORGET_BIAS
    optims = [nn.Adam(m.params, m.grads, lr=p.learning_rate) for m in models]
    rng = np.random.default_rng([p.seed, 1])
    x_val, y_val = adding_batch(np.random.default_rng([p.seed, 2]), EVAL_BATCH, p.seq_len)
    baseline = adding_baseline_mse(np.random.default_rng([p.seed, 3]), p.seq_len)
    result = Result(seq_len=p.seq_len, baseline=round(baseline, 5), threshold=round(BEAT_FRACTION * baseline, 5),
                    steps_done=0, total_steps=p.steps, racers=racers)
    racers = result.racers

    def evaluate(step: int) -> None:
        for racer, model in zip(racers, models):
            loss, _ = nn.mse(model.forward(x_val), y_val)
            if not np.isfinite(loss):
                raise Diverged(f"{NAMES[racer.cell]}'s held-out loss became {loss} at step {step}; "
                               "try a smaller learning rate")
            racer.steps.append(step)
            racer.loss.append(float(f"{loss:.4g}"))
            if racer.beat_step is None and loss < result.threshold:
                racer.beat_step = step
        result.steps_done = step

    evaluate(0)
    for step in range(1, p.steps + 1):
        x, y = adding_batch(rng, BATCH, p.seq_len)  # (B, T, 2), (B, 1): the same batch for every cell
        for racer, model, opt in zip(racers, models, optims):
            model.zero_grad()
            loss, dy = nn.mse(model.forward(x), y)
            if not np.isfinite(loss):
                raise Diverged(f"{NAMES[racer.cell]}'s training loss became {loss} at step {step}; "
                               "try a smaller learning rate")
            model.backward(dy)
            nn.clip_grad_norm(model.grads, CLIP)
            opt.step()
        if step % EVAL_EVERY == 0 or step == p.steps:
            evaluate(step)
            if progress is not None:
                progress(result, step / p.steps)
    return result


def _summary(r: Racer) -> str:
    name = NAMES[r.cell]
    return f"{name}: below at step {r.beat_step:,}" if r.beat_step is not None else f"{name}: not below"


def _decades(r: Result) -> list[float]:
    """Powers of ten spanning every measured loss: the log axis's ticks."""
    losses = [v for racer in r.racers for v in racer.loss if v > 0] + [r.baseline]
    lo, hi = int(np.floor(np.log10(min(losses)))), int(np.ceil(np.log10(max(losses))))
    return [10.0 ** k for k in range(lo, hi + 1)]


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    names = [racer.label for racer in r.racers]
    rows = [{"cell": racer.label, "step": racer.steps, "loss": racer.loss} for racer in r.racers]
    subtitle = [f"adding problem, T = {r.seq_len}; step {r.steps_done:,} of {r.total_steps:,}",
                f"grey dashes: the predict-the-mean baseline, MSE {charts.fmt(r.baseline)}",
                f"a cell counts as below it under {charts.fmt(r.threshold)} (90 %)",
                " · ".join(_summary(racer) for racer in r.racers)]
    colours = [charts.VERMILLION, charts.SKY, charts.GREEN]
    lines = (
        alt.Chart(charts.data("curves"))
        .transform_flatten(["step", "loss"])
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X("step:Q", title="training step (batches of 32)",
                    scale=alt.Scale(domain=[0, r.total_steps], nice=False)),
            y=alt.Y("loss:Q", title="held-out MSE (log scale)", scale=alt.Scale(type="log"),
                    axis=alt.Axis(values=_decades(r), format="~g")),
            color=alt.Color("cell:N", scale=charts.colour_scale(names, colours), legend=charts.legend()),
            tooltip=[alt.Tooltip("cell:N"), alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4f")],
        )
    )
    base = alt.Chart(charts.data("baseline")).mark_rule(color=charts.GREY, strokeDash=[6, 4], strokeWidth=2) \
        .encode(y="mse:Q", tooltip=[alt.Tooltip("mse:Q", title="baseline MSE", format=".4f")])
    return charts.finish(
        alt.layer(base, lines).properties(
            width="container", height=charts.HEIGHT,
            title=charts.title("Same budget, different cells: who remembers?", subtitle)),
        curves=rows, baseline=[{"mse": r.baseline}],
    )
