"""The lab: a character language model trained on Shakespeare or on the learner's own text.

An ``nn.CharLM`` (one-hot input -> RNN, LSTM or GRU -> Linear) reads random
windows of ``seq_len`` characters from the first 90 % of the text and
predicts each next character (Adam, gradient norm clipped at 5). Every
``EVAL_EVERY`` steps the validation loss, in nats per character, is measured
on the last 10 % (about ``EVAL_CHARS`` characters in windows of ``seq_len``
spread evenly over it, each window starting from a zero state) — the same
characters the n-gram baselines of ``rnnlab.tasks.ngram`` are scored on, with
counts from the first 90 %, drawn beside it. Every
``SAMPLE_EVERY`` steps the model writes a sample at the chosen temperature,
and its hidden units' values h_t over a validation passage come back
(each unit as base64 of int8 round(127 h_t): h_t lies in (−1, 1) for every
cell), so the page can tint the passage by any unit the learner picks.

The final Result carries the trained weights (``_packing.PackedModel``) and
the vocabulary; the lab turns them into an ``.npz`` that ``nn.load`` reads.
Given ``init`` and ``vocab`` (from such a file) training continues from
those weights, whose cell and size then win over ``cell`` and ``hidden_size``.
"""

from __future__ import annotations

import base64
from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field, field_validator, model_validator

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments._model_bounds import DTYPES, ModelBounds, field_choices, field_range
from rnnlab.experiments._packing import PackedModel, pack, unpack
from rnnlab.experiments.base import Diverged
from rnnlab.tasks import ngram
from rnnlab.tasks.corpora import CharVocab, shakespeare

ID = "char-lm"
TITLE = "Train a character language model"
STEP = 0
KIND = "job"
TIME_LIMIT_S = 900.0

MAX_TEXT_BYTES = 1024 * 1024  # the learner's text, UTF-8
MIN_TEXT_CHARS = 1000  # enough for a 90/10 split with something in each part
MAX_VOCAB = 256  # distinct characters a text may use
SPLIT = 0.9  # training share of the text
BATCH = 32  # windows per step
EVAL_EVERY = 50  # steps between validation losses
SAMPLE_EVERY = 100  # steps between samples (and unit activations)
EVAL_CHARS = 16_384  # about this many validation characters scored each time (fewer in a short text)
SAMPLE_CHARS = 240
PASSAGE_CHARS = 240  # the validation passage whose characters the page tints
KEEP_SAMPLES = 3  # the latest samples a result carries


def check_text(text: str) -> str:
    """``text`` if the lab can train on it; ValueError saying why not otherwise."""
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ValueError(f"the text is {size / 2**20:.2f} MB; the lab takes up to 1 MB")
    if len(text) < MIN_TEXT_CHARS:
        raise ValueError(f"the text has {len(text)} characters; the lab needs at least {MIN_TEXT_CHARS}")
    if "\0" in text:
        raise ValueError("the text contains NUL characters: is it a binary file?")
    distinct = len(set(text))
    if distinct > MAX_VOCAB:
        raise ValueError(f"the text uses {distinct} distinct characters; the lab takes at most {MAX_VOCAB}")
    return text


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    cell: Literal["rnn", "lstm", "gru"] = Field("lstm", title="Cell", description="Vanilla (tanh) RNN, LSTM or GRU.")
    hidden_size: int = Field(128, ge=16, le=256, title="Hidden size H", description="Number of hidden units.")
    seq_len: int = Field(64, ge=8, le=200, title="Sequence length",
                         description="Characters per training window: how far back backpropagation reaches.")
    steps: int = Field(1500, ge=20, le=6000, title="Training steps", description=f"Batches of {BATCH} windows.")
    learning_rate: float = Field(0.01, ge=0.0001, le=0.05, title="Learning rate", description="Adam's step size.")
    temperature: float = Field(0.8, ge=0.1, le=2.0, title="Sampling temperature",
                               description="Below 1: safer, more repetitive samples; above 1: wilder ones.")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for the weights, the windows and the samples.")
    text: str | None = Field(None, title="Text",
                             description="Your own text (up to 1 MB); none: Tiny Shakespeare.")
    init: PackedModel | None = Field(None, title="Start from", description="Weights to continue from (a downloaded model).")
    vocab: str | None = Field(None, max_length=MAX_VOCAB, title="Vocabulary",
                              description="The characters of init's model, in id order.")

    @field_validator("text")
    @classmethod
    def _usable(cls, text: str | None) -> str | None:
        return None if text is None else check_text(text)

    @model_validator(mode="after")
    def _init_has_vocab(self):
        if (self.init is None) != (self.vocab is None):
            raise ValueError("init and vocab go together: a model's weights need its vocabulary")
        return self

    @field_validator("init")
    @classmethod
    def _a_lab_model(cls, init: PackedModel | None) -> PackedModel | None:
        if init is not None:
            MODEL.check(init.cls, init.args)  # refused with the request, before a worker builds anything
        return init


# The models this experiment trains, and so the only ones the lab rebuilds from a learner's weights.
MODEL = ModelBounds(nn.CharLM, {
    "vocab_size": (range(1, MAX_VOCAB + 1),),
    "hidden_size": (field_range(Params, "hidden_size"),),
    "cell": field_choices(Params, "cell"),
    "num_layers": (1,),  # _model: nn.CharLM's defaults, one layer on one-hot input
    "embedding_dim": (None,),
    "nonlinearity": ("tanh",),
    "dtype": DTYPES,
}, labels={"vocab_size": "vocabulary size", "num_layers": "number of layers", "embedding_dim": "embedding size"})


class Sample(BaseModel):
    step: int
    text: str


class Result(BaseModel):
    cell: str
    hidden_size: int
    seq_len: int
    steps: int
    steps_done: int
    temperature: float
    source: str  # "Tiny Shakespeare" or "your text"
    train_chars: int
    val_chars: int
    vocab: str  # the characters, in id order
    baselines: dict[str, float]  # n-gram name -> validation nats per character
    step: list[int]
    val_loss: list[float]
    train_loss: list[float]  # at step[1:]: the mean training loss since the evaluation before
    samples: list[Sample]  # the latest few
    passage: str  # validation text whose characters the page tints
    activations: list[str]  # per unit: base64 int8 round(127 h_t) over the passage; [] before the first sample
    weights: PackedModel | None  # the trained model, at the end only


def _model(p: Params, vocab: CharVocab) -> nn.CharLM:
    if p.init is None:
        return nn.CharLM(len(vocab), p.hidden_size, cell=p.cell, seed=p.seed)
    model = unpack(p.init, MODEL)
    if model.vocab_size != len(vocab):
        raise ValueError("the weights do not fit their vocabulary")
    return model


def unit_activations(model: nn.CharLM, ids: np.ndarray) -> list[str]:
    model.forward(ids[None])
    h = model.trace.h[0]  # (T, H)
    q = np.clip(np.round(127 * h), -127, 127).astype(np.int8)
    return [base64.b64encode(q[:, u].tobytes()).decode("ascii") for u in range(q.shape[1])]


def _eval_windows(n_val: int, window: int) -> np.ndarray:
    """int (N, T): validation indices of the windows scored, spread evenly over the validation
    text, about EVAL_CHARS characters in all (each window predicts the character after it)."""
    n = max(1, min(EVAL_CHARS // window, (n_val - 1) // window))
    starts = np.linspace(0, n_val - 1 - window, n).astype(np.int64)  # (N,)
    return starts[:, None] + np.arange(window)  # (N, T)


def _val_loss(model: nn.CharLM, val: np.ndarray, windows: np.ndarray) -> float:
    """Mean −ln p(val[i + 1]) over the windows' indices i; each window starts from a zero state."""
    loss, _ = nn.softmax_cross_entropy(model.forward(val[windows]), val[windows + 1])
    return float(loss)


def run(params: Params, progress=None) -> Result:
    p = params
    text = shakespeare() if p.text is None else p.text
    vocab = CharVocab.from_text(text) if p.vocab is None else CharVocab(p.vocab)
    ids = vocab.encode(text)  # ValueError naming characters outside init's vocabulary
    split = int(SPLIT * len(ids))
    train, val = ids[:split], ids[split:]
    model = _model(p, vocab)
    window = min(p.seq_len, len(train) - 1, len(val) - 1)
    opt = nn.Adam(model.params, model.grads, lr=p.learning_rate)
    rng = np.random.default_rng([p.seed, 11])
    passage = val[:PASSAGE_CHARS]
    scored = _eval_windows(len(val), window)  # (N, T)
    result = Result(
        cell=model.cell, hidden_size=model.hidden_size, seq_len=window, steps=p.steps, steps_done=0,
        temperature=p.temperature, source="Tiny Shakespeare" if p.text is None else "your text",
        train_chars=len(train), val_chars=len(val), vocab="".join(vocab.chars),
        baselines={k: round(v, 4)
                   for k, v in ngram.baselines(ids, len(vocab), split, positions=split + 1 + scored).items()},
        step=[0], val_loss=[round(_val_loss(model, val, scored), 4)], train_loss=[],
        samples=[], passage=vocab.decode(passage), activations=[], weights=None)
    if progress is not None:
        progress(result, 0.0)
    since = []
    for step in range(1, p.steps + 1):
        starts = rng.integers(0, len(train) - window, size=BATCH)
        x = np.stack([train[s: s + window] for s in starts])  # (B, T)
        y = np.stack([train[s + 1: s + window + 1] for s in starts])  # (B, T) the next characters
        model.zero_grad()
        loss, dlogits = nn.softmax_cross_entropy(model.forward(x), y)
        if not np.isfinite(loss):
            raise Diverged(f"the loss became {loss} at step {step}: try a smaller learning rate")
        model.backward(dlogits)
        nn.clip_grad_norm(model.grads, 5.0)
        opt.step()
        since.append(loss)
        if step % EVAL_EVERY == 0 or step == p.steps:
            result.step.append(step)
            result.val_loss.append(round(_val_loss(model, val, scored), 4))
            result.train_loss.append(round(float(np.mean(since)), 4))
            since = []
        if step % SAMPLE_EVERY == 0 or step == p.steps:
            drawn = model.sample(passage[:1], SAMPLE_CHARS, p.temperature, rng=np.random.default_rng([p.seed, step]))
            sample = Sample(step=step, text=vocab.decode(passage[:1]) + vocab.decode(drawn))
            result.samples = [*result.samples, sample][-KEEP_SAMPLES:]
            result.activations = unit_activations(model, passage)
        result.steps_done = step
        if progress is not None:
            progress(result, step / p.steps)
    result.weights = pack(model)
    return result


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    names = ["validation", "training"]
    curves = [{"series": "validation", "step": r.step, "loss": r.val_loss},
              {"series": "training", "step": r.step[1:], "loss": r.train_loss}]
    rules = [{"name": name, "loss": value} for name, value in r.baselines.items()]
    now = r.val_loss[-1]
    beaten = [name for name, value in r.baselines.items() if now < value]
    subtitle = [f"{r.cell.upper()} H = {r.hidden_size} on {r.source}, step {r.steps_done} of {r.steps}: "
                f"validation {now:.3f} nats/char",
                f"below the {beaten[-1]} baseline" if beaten else "not yet below any baseline"]
    x = alt.X("step:Q", title="training step", scale=alt.Scale(domain=[0, r.steps], nice=False))
    y = alt.Y("loss:Q", title="loss (nats per character)", scale=alt.Scale(zero=False))
    lines = (
        alt.Chart(charts.data("curves")).transform_flatten(["step", "loss"])
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, color=alt.Color("series:N", title=None, scale=charts.colour_scale(names), legend=charts.legend()),
                strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=names, range=[[1, 0], [5, 3]]),
                                        legend=charts.legend()),  # merged with the colour legend
                tooltip=[alt.Tooltip("series:N"), alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".3f")])
    )
    baseline = alt.Chart(charts.data("baselines"))
    rule = baseline.mark_rule(color=charts.GREY, strokeDash=[2, 3]).encode(
        y="loss:Q", tooltip=[alt.Tooltip("name:N", title="baseline"), alt.Tooltip("loss:Q", format=".3f")])
    label = baseline.mark_text(align="right", dx=-2, dy=-6, fontSize=11, color=charts.GREY).encode(
        y="loss:Q", x=alt.value("width"), text="name:N")
    return charts.finish(
        alt.layer(rule, label, lines).properties(
            width="container", height=charts.HEIGHT, title=charts.title("Validation loss against n-gram baselines", subtitle)),
        curves=curves, baselines=rules,
    )
