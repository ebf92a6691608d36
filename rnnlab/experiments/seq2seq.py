"""Sequence to sequence: an encoder-decoder learns to rewrite dates ("14 March 2021" -> "2021-03-14").

Two ``nn.Seq2Seq`` GRU models, one with additive attention and one without,
train in turns on batches from ``rnnlab.tasks.dates`` (Adam, gradient norm
clipped at 1, teacher forcing). Every ``EVAL_EVERY`` steps each greedily
decodes a fixed held-out set of dates it never trained on; the chart plots
the exact-match accuracy. At the end, accuracy per source length sets the two
side by side: without attention the whole input has to pass through the
encoder's last state, a fixed H numbers, whatever its length.

Then, on the trained models: the final Result carries their weights
(``_packing.PackedModel``, float32); the page posts them back with a text of
the learner's to ``POST /api/lab/seq2seq/decode``, which calls ``decode`` here
and draws ``decode_chart``: the greedy decoding step by step and, with
attention, the weights (output step × source character).
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments._packing import PackedModel, pack, unpack
from rnnlab.experiments.base import Diverged
from rnnlab.tasks import dates

ID = "seq2seq"
TITLE = "Encoder–decoder: rewriting dates"
STEP = 7
KIND = "job"
TIME_LIMIT_S = 300.0

EMBEDDING = 16  # size of the character embeddings
BATCH = 64  # training pairs per step
EVAL_EVERY = 25  # steps between two looks at the held-out set
EVAL_SEED, EVAL_N = 12345, 300  # the fixed held-out set watched during training
LENGTH_SEED, LENGTH_N = 54321, 1200  # the held-out set of the final accuracy-by-length chart
LENGTH_BINS = ((10, 14), (15, 19), (20, 24), (25, 40))  # source lengths, in characters
NAMES = {True: "with attention", False: "without attention"}


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    models: Literal["both", "attention", "no attention"] = Field(
        "both", title="Models", description="Train the model with attention, the one without, or both side by side.")
    hidden_size: int = Field(
        48, ge=16, le=96, title="Hidden size H", description="Size of the encoder's and decoder's state: the bottleneck.")
    steps: int = Field(
        600, ge=50, le=3000, title="Training steps", description=f"Batches of {BATCH} dates each model trains on.")
    learning_rate: float = Field(
        0.01, ge=0.0005, le=0.05, title="Learning rate", description="Adam's step size.")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for the weights and the training dates.")


class Curve(BaseModel):
    model: str  # "with attention" | "without attention"
    step: list[int]
    accuracy: list[float]  # exact match on the held-out dates, 0..1
    loss: list[float]  # training cross-entropy (nats per character) at those steps


class LengthAccuracy(BaseModel):
    model: str
    lengths: str  # "10–14" characters
    accuracy: float
    n: int


class Result(BaseModel):
    steps_done: int
    steps: int
    hidden_size: int
    curves: list[Curve]
    by_length: list[LengthAccuracy] | None  # at the end only
    examples: list[dict] | None  # a few held-out sources with each model's answer, at the end only
    weights: dict[str, PackedModel] | None  # model name -> trained weights, at the end only


def _exact(model: nn.Seq2Seq, sources: list[str], targets: list[str]) -> tuple[np.ndarray, list[str]]:
    src, mask = dates.encode_sources(sources)
    ids, _ = model.greedy_decode(src, dates.BOS_ID, dates.EOS_ID, dates.TARGET_LEN, mask)
    answers = [dates.decode_target(row) for row in ids]
    return np.array([a == t for a, t in zip(answers, targets)]), answers


def _by_length(models, sources, targets) -> list[LengthAccuracy]:
    lengths = np.array([len(s) for s in sources])
    rows = []
    for name, model in models.items():
        correct, _ = _exact(model, sources, targets)
        for lo, hi in LENGTH_BINS:
            inside = (lengths >= lo) & (lengths <= hi)
            if inside.any():
                label = f"{lo}–{hi}" if hi < 40 else f"{lo}+"
                rows.append(LengthAccuracy(model=name, lengths=label, accuracy=float(correct[inside].mean()),
                                           n=int(inside.sum())))
    return rows


def run(params: Params, progress=None) -> Result:
    p = params
    kinds = {"both": [True, False], "attention": [True], "no attention": [False]}[p.models]
    models, opts, curves = {}, {}, {}
    for attention in kinds:
        name = NAMES[attention]
        models[name] = nn.Seq2Seq(len(dates.SRC_VOCAB), len(dates.TGT_VOCAB), p.hidden_size, cell="gru",
                                  attention=attention, embedding_dim=EMBEDDING, seed=p.seed)
        opts[name] = nn.Adam(models[name].params, models[name].grads, lr=p.learning_rate)
        curves[name] = Curve(model=name, step=[], accuracy=[], loss=[])
    rng = np.random.default_rng([p.seed, 7])
    eval_src, eval_tgt = dates.sample_pairs(np.random.default_rng(EVAL_SEED), EVAL_N, "test")

    def partial(done: int) -> Result:
        return Result(steps_done=done, steps=p.steps, hidden_size=p.hidden_size, curves=list(curves.values()),
                      by_length=None, examples=None, weights=None)

    for step in range(1, p.steps + 1):
        sources, targets = dates.sample_pairs(rng, BATCH)
        src, mask = dates.encode_sources(sources)
        tgt_in, tgt_out = dates.encode_targets(targets)
        for name, model in models.items():
            model.zero_grad()
            loss, dlogits = nn.softmax_cross_entropy(model.forward(src, tgt_in, mask), tgt_out)
            if not np.isfinite(loss):
                raise Diverged(f"the {name} model's loss became {loss} at step {step}: try a smaller learning rate")
            model.backward(dlogits)
            nn.clip_grad_norm(model.grads, 1.0)
            opts[name].step()
            if step % EVAL_EVERY == 0 or step == p.steps:
                correct, _ = _exact(model, eval_src, eval_tgt)
                curves[name].step.append(step)
                curves[name].accuracy.append(round(float(correct.mean()), 4))
                curves[name].loss.append(round(float(loss), 4))
        if progress is not None:
            progress(partial(step), step / p.steps)

    length_src, length_tgt = dates.sample_pairs(np.random.default_rng(LENGTH_SEED), LENGTH_N, "test")
    shown_src, shown_tgt = length_src[:6], length_tgt[:6]
    examples = [{"source": s, "target": t} for s, t in zip(shown_src, shown_tgt)]
    for name, model in models.items():
        _, answers = _exact(model, shown_src, shown_tgt)
        for row, answer in zip(examples, answers):
            row[name] = answer
    result = partial(p.steps)
    result.by_length = _by_length(models, length_src, length_tgt)
    result.examples = examples
    result.weights = {name: pack(model) for name, model in models.items()}
    return result


def _curves_chart(r: Result) -> alt.Chart:
    names = [c.model for c in r.curves]
    return (
        alt.Chart(charts.data("curves"))
        .transform_flatten(["step", "accuracy", "loss"])
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("step:Q", title="training step", scale=alt.Scale(domain=[0, r.steps], nice=False)),
            y=alt.Y("accuracy:Q", title="exact match on held-out dates", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%")),
            color=alt.Color("model:N", scale=charts.colour_scale(names), legend=charts.legend()),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("step:Q"), alt.Tooltip("accuracy:Q", format=".1%"),
                     alt.Tooltip("loss:Q", title="training loss (nats/char)", format=".3f")],
        )
        .properties(width="container", height=charts.HEIGHT)
    )


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    last = ", ".join(f"{c.model} {c.accuracy[-1]:.0%}" for c in r.curves if c.accuracy) or "first check at step 25"
    title = charts.title("Learning to rewrite dates", [f"H = {r.hidden_size}, step {r.steps_done} of {r.steps}: {last}"])
    curves = [c.model_dump() for c in r.curves]
    if r.by_length is None:
        return charts.finish(_curves_chart(r).properties(title=title), curves=curves)
    names = [c.model for c in r.curves]
    bars = (
        alt.Chart(charts.data("by_length"))
        .mark_bar()
        .encode(
            x=alt.X("lengths:N", title="length of the written date (characters)", sort=None),
            xOffset=alt.XOffset("model:N", sort=names),
            y=alt.Y("accuracy:Q", title="exact match", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.Color("model:N", scale=charts.colour_scale(names), legend=charts.legend()),
            tooltip=[alt.Tooltip("model:N"), alt.Tooltip("lengths:N"), alt.Tooltip("accuracy:Q", format=".1%"),
                     alt.Tooltip("n:Q", title="dates")],
        )
        .properties(width="container", height=200,
                    title=charts.title("Accuracy by input length", "held-out dates; without attention every length passes through one state of H numbers"))
    )
    return charts.finish(
        alt.vconcat(_curves_chart(r).properties(title=title), bars).resolve_scale(color="shared"),
        curves=curves, by_length=[row.model_dump() for row in r.by_length],
    )


# -- then, on the trained model ----------------------------------------------------------------

class DecodeRequest(BaseModel):
    model_config = {"extra": "forbid"}

    text: str = Field(min_length=1, max_length=dates.MAX_SOURCE_LEN, description="a date written out")
    weights: dict[str, PackedModel] = Field(min_length=1, max_length=2, description="model name -> weights, from the job's result")


class Decoding(BaseModel):
    model: str
    output: str  # the decoded text, up to EOS
    steps: list[str]  # the character emitted at each step ("end" for EOS)
    probability: list[float]  # the model's probability of each emitted character
    runner_up: list[str]  # the second most likely character at each step
    attention: list[list[float]] | None  # (T', S): weight on each source character at each step


class DecodeResult(BaseModel):
    text: str
    source: list[str]  # the characters the encoder read (outside the alphabet: "?")
    decodings: list[Decoding]


def _symbol(i: int) -> str:
    return "end" if i == dates.EOS_ID else dates.TGT_VOCAB.chars[i]


def decode(request: DecodeRequest) -> DecodeResult:
    """Greedy decoding of the request's text by each trained model; ValueError on bad weights."""
    src, mask = dates.encode_sources([request.text])
    out = []
    for name, packed in request.weights.items():
        model = unpack(packed, nn.Seq2Seq)
        if model.src_vocab != len(dates.SRC_VOCAB) or model.tgt_vocab != len(dates.TGT_VOCAB):
            raise ValueError("these weights are not a date model's (its vocabularies differ)")
        ids, weights = model.greedy_decode(src, dates.BOS_ID, dates.EOS_ID, dates.TARGET_LEN, mask)
        row = ids[0][: list(ids[0]).index(dates.EOS_ID) + 1] if dates.EOS_ID in ids[0] else ids[0]
        tgt_in = np.concatenate([[dates.BOS_ID], row[:-1]])[None]  # (1, T') the decoder read its own outputs
        probs = nn.softmax(model.forward(src, tgt_in, mask).astype(np.float64))[0]  # (T', V), the same pass again
        order = np.argsort(-probs, axis=1)
        out.append(Decoding(
            model=name, output=dates.decode_target(row), steps=[_symbol(int(i)) for i in row],
            probability=[round(float(probs[t, i]), 4) for t, i in enumerate(row)],
            runner_up=[_symbol(int(order[t, 1])) for t in range(len(row))],
            attention=None if weights is None else np.round(weights[0, : len(row)], 4).tolist(),
        ))
    source = [dates.SRC_VOCAB.chars[i] for i in src[0]]
    return DecodeResult(text=request.text, source=source, decodings=out)


def decode_chart(result: DecodeResult) -> alt.TopLevelMixin:
    """The attention heatmap (output step × source character), or the step probabilities without attention."""
    with_attention = [d for d in result.decodings if d.attention is not None]
    if with_attention:
        d = with_attention[0]
        rows = [{"i": j, "t": t, "source": f"{j:02d} {c}", "output": f"{t:02d} {o}", "weight": w}
                for t, (o, ws) in enumerate(zip(d.steps, d.attention)) for j, (c, w) in enumerate(zip(result.source, ws))]
        view = (
            alt.Chart(charts.data("attention")).mark_rect()
            .encode(
                x=alt.X("source:O", title="source character", axis=alt.Axis(labelExpr="substring(datum.label, 3)", labelAngle=0)),
                y=alt.Y("output:O", title="output step", axis=alt.Axis(labelExpr="substring(datum.label, 3)")),
                color=alt.Color("weight:Q", title="attention", scale=alt.Scale(scheme="blues", domain=[0, 1])),
                tooltip=[alt.Tooltip("output:O", title="output"), alt.Tooltip("source:O", title="source"),
                         alt.Tooltip("weight:Q", format=".2f")],
            )
            .properties(width="container", height=18 * len(d.steps),
                        title=charts.title("Where the decoder looks", f"“{result.text}” → {d.output}"))
        )
        return charts.finish(view, attention=rows)
    d = result.decodings[0]
    rows = [{"t": f"{t:02d} {s}", "probability": p} for t, (s, p) in enumerate(zip(d.steps, d.probability))]
    view = (
        alt.Chart(charts.data("steps")).mark_bar()
        .encode(
            y=alt.Y("t:O", title="output step", axis=alt.Axis(labelExpr="substring(datum.label, 3)")),
            x=alt.X("probability:Q", title="probability of the emitted character", scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("t:O", title="step"), alt.Tooltip("probability:Q", format=".2f")],
        )
        .properties(width="container", height=18 * len(d.steps),
                    title=charts.title("Greedy decoding, no attention", f"“{result.text}” → {d.output}"))
    )
    return charts.finish(view, steps=rows)
