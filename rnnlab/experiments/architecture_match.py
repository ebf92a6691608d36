"""Four ways to wire an RNN, each backed by a small working model (see ``_applications``).

- many-to-one: sentiment of a review (read every word, answer once);
- many-to-many: a part-of-speech tag for every word (``rnnlab.tasks.pos``);
- one-to-many: characters generated from a seed (the ``hidden-state`` CharLM);
- encoder-decoder: a date written out -> ISO format (the ``seq2seq`` model).

For the learner's input the chosen model answers, and the result carries the
array shapes on the way in and out (B = 1 example), drawn as a row of input
boxes and a row of output boxes.

Letters: B batch, T input steps, E embedding, V vocabulary, C classes, N generated steps.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import numpy as np
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from rnnlab import nn
from rnnlab.experiments import _applications as apps
from rnnlab.experiments import _charts as charts
from rnnlab.experiments import hidden_state
from rnnlab.tasks import dates, pos

ID = "architecture-match"
TITLE = "Four RNN wirings, four working models"
STEP = 8
KIND = "quick"

Pattern = Literal["many-to-one", "many-to-many", "one-to-many", "encoder-decoder"]
EXAMPLES = {
    "many-to-one": "The food was cold and the service was slow.",
    "many-to-many": "the old fish watch a duck",
    "one-to-many": "T",
    "encoder-decoder": "14 March 2021",
}
GENERATE = 30  # characters generated from the seed
TEMPERATURE = 0.7
MAX_SEED = 10
SENTIMENT = ("negative", "positive")


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    pattern: Pattern = Field("many-to-one", title="Pattern",
                             description="many-to-one: sentiment; many-to-many: tagging; one-to-many: "
                                         "generation; encoder-decoder: date translation.")
    text: str = Field("", max_length=200, validate_default=True, title="Your input",
                      description="A review (many-to-one), a sentence from the tagger's words (many-to-many), "
                                  "a seed character (one-to-many) or a date written out (encoder-decoder); "
                                  "empty: the pattern's example.",
                      examples=list(EXAMPLES.values()))

    @field_validator("text")
    @classmethod
    def _fits_the_pattern(cls, text: str, info: ValidationInfo) -> str:
        pattern = info.data.get("pattern")
        if pattern is None:  # the pattern itself was invalid: reported on its own
            return text
        text = text.strip() or EXAMPLES[pattern]
        if pattern == "many-to-one" and not apps.words(text):
            raise ValueError("a review needs at least one word")
        if pattern == "many-to-many":
            pos.split_words(text)
        if pattern == "one-to-many":
            if len(text) > MAX_SEED:
                raise ValueError(f"a seed has 1 to {MAX_SEED} characters, got {len(text)}")
            unknown = sorted(set(text) - set(hidden_state.vocab().chars))
            if unknown:
                raise ValueError(f"the generator knows only Shakespeare's characters; not {''.join(unknown)!r}")
        if pattern == "encoder-decoder" and len(text) > dates.MAX_SOURCE_LEN:
            raise ValueError(f"a date has at most {dates.MAX_SOURCE_LEN} characters, got {len(text)}")
        return text


class Result(BaseModel):
    pattern: str
    model: str  # what answers, in words
    inputs: list[str]  # the input tokens, one box each
    outputs: list[str]  # the output tokens, one box each
    input_shape: str  # e.g. "ids (B, T) = (1, 9) → embeddings (B, T, E) = (1, 9, 32)"
    output_shape: str
    answer: str  # the output in words
    detail: str  # a held-out score, in words
    accuracy: float  # held-out score of this pattern's model
    baseline_accuracy: float | None  # bag of words on the same held-out split (many-to-one only)
    baseline_answer: str | None  # the bag of words' answer to this input (many-to-one only)


def _many_to_one(text: str) -> Result:
    data, rnn, bow, rnn_acc, bow_acc = apps.sentiment()
    ids, lengths = data.encode([text])
    p = nn.softmax(rnn.forward(ids, lengths=lengths)[0].astype(np.float64))  # (C,)
    q = nn.softmax(bow.forward(data.counts(ids, lengths))[0].astype(np.float64))  # (C,) bag of words
    tokens = [w if w in data.index else f"{w}?" for w in apps.words(text)[: apps.MAX_WORDS]]
    T = len(tokens)
    return Result(
        pattern="many-to-one", model="embeddings → GRU (H = 32) → 2 classes",
        inputs=tokens, outputs=[SENTIMENT[int(p.argmax())]],
        input_shape=f"(B, T) = (1, {T}) ids → (B, T, E) = (1, {T}, 32)",
        output_shape="(B, C) = (1, 2) scores: one answer",
        answer=f"{SENTIMENT[int(p.argmax())]} ({p.max():.0%})",
        detail=f"held-out accuracy on {apps.HELD_OUT} reviews: GRU {rnn_acc:.0%}, bag of words {bow_acc:.0%}",
        accuracy=round(rnn_acc, 4), baseline_accuracy=round(bow_acc, 4),
        baseline_answer=f"{SENTIMENT[int(q.argmax())]} ({q.max():.0%})")


def _many_to_many(text: str) -> Result:
    model, acc, ambiguous = apps.tagger()
    words = pos.split_words(text)
    tags = [pos.TAGS[i] for i in model.forward(pos.encode(words)[None])[0].argmax(-1)]
    T = len(words)
    return Result(
        pattern="many-to-many", model="embeddings → GRU (H = 32) → 4 tags per word",
        inputs=words, outputs=tags,
        input_shape=f"(B, T) = (1, {T}) ids → (B, T, E) = (1, {T}, 16)",
        output_shape=f"(B, T, C) = (1, {T}, 4) scores: a tag per word",
        answer=" ".join(f"{w}/{t}" for w, t in zip(words, tags)),
        detail=f"held-out accuracy {acc:.0%} of words, {ambiguous:.0%} of the noun-or-verb ones",
        accuracy=round(acc, 4), baseline_accuracy=None, baseline_answer=None)


def _one_to_many(text: str) -> Result:
    model, vocab = hidden_state.model(), hidden_state.vocab()
    drawn = model.sample(vocab.encode(text), GENERATE, temperature=TEMPERATURE, rng=np.random.default_rng(0))
    out = vocab.decode(drawn)
    S = len(text)
    return Result(
        pattern="one-to-many", model=f"one-hot → tanh RNN (H = {hidden_state.HIDDEN}) → next character, "
                                     f"temperature {TEMPERATURE}",
        inputs=list(text), outputs=list(out),
        input_shape=f"(B, S) = (1, {S}) ids → (B, S, V) = (1, {S}, {len(vocab)})",
        output_shape=f"(B, N) = (1, {GENERATE}) ids, drawn one by one",
        answer=text + out,
        detail=f"trained on Shakespeare to {hidden_state.trained_weights()[1]:.2f} nats per character",
        accuracy=round(hidden_state.trained_weights()[1], 4), baseline_accuracy=None, baseline_answer=None)


def _encoder_decoder(text: str) -> Result:
    _, acc = apps.translator()
    steps = apps.translate(text)
    S, N = len(text), len(steps)
    return Result(
        pattern="encoder-decoder", model=f"GRU encoder → GRU decoder + attention (H = {apps.SEQ2SEQ_HIDDEN})",
        inputs=list(text), outputs=steps,
        input_shape=f"(B, S) = (1, {S}) ids → (B, S, H) = (1, {S}, {apps.SEQ2SEQ_HIDDEN}) states",
        output_shape=f"(B, N) = (1, {N}) ids, one at a time to “end”",
        answer="".join(s for s in steps if s != "end"), detail=f"held-out exact match {acc:.0%} (dates never seen in training)",
        accuracy=round(acc, 4), baseline_accuracy=None, baseline_answer=None)


RUNNERS = {"many-to-one": _many_to_one, "many-to-many": _many_to_many, "one-to-many": _one_to_many,
           "encoder-decoder": _encoder_decoder}


def run(params: Params, progress=None) -> Result:
    return RUNNERS[params.pattern](params.text)


def warm_up() -> None:
    apps.sentiment()
    apps.tagger()
    hidden_state.warm_up()
    apps.translator()


STEPS_CAPTION = {
    "many-to-one": "one cell, every step; the last state is read",
    "many-to-many": "one cell, every step; every state is read",
    "one-to-many": "one cell; each output is its next input",
    "encoder-decoder": "E: the encoder reads; D: the decoder writes",
}
ROWS = {"input": 2.3, "RNN step": 1.15, "output": 0.0}  # y of each row of boxes
BOX = 0.86  # a box's width and height, in columns and rows
LETTER_PX = 6.6  # the width of an 11-px letter, about


def _show(token: str) -> str:
    return {" ": "␣", "\n": "⏎"}.get(token, token)


def _layout(r: Result) -> list[dict]:
    """One row per box: column x, row name, label; the RNN row has one box per step it runs."""
    n_in, n_out = len(r.inputs), len(r.outputs)
    first_out = {"many-to-one": n_in - 1, "many-to-many": 0, "one-to-many": n_in - 1,
                 "encoder-decoder": n_in}[r.pattern]
    steps = max(n_in, first_out + n_out) if r.pattern != "one-to-many" else first_out + n_out
    boxes = [{"x": i, "row": "input", "label": _show(tok)} for i, tok in enumerate(r.inputs)]
    rnn = ["E" if r.pattern == "encoder-decoder" and i < n_in else "D" if r.pattern == "encoder-decoder" else ""
           for i in range(steps)]
    boxes += [{"x": i, "row": "RNN step", "label": label} for i, label in enumerate(rnn)]
    boxes += [{"x": first_out + i, "row": "output", "label": _show(tok)} for i, tok in enumerate(r.outputs)]
    return boxes


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    boxes = _layout(r)
    columns = max(b["x"] for b in boxes) + 1
    xs, ys = alt.Scale(domain=[0, columns], nice=False), alt.Scale(domain=[-0.45, 3.45], nice=False)
    x, y = alt.X("x:Q", scale=xs, axis=None), alt.Y("y:Q", scale=ys, axis=None)
    names = list(ROWS)
    where = [alt.CalculateTransform(calculate=f"{ROWS}[datum.row]".replace("'", '"'), **{"as": "y"}),
             alt.CalculateTransform(calculate=f"datum.x + {BOX}", **{"as": "x2"}),
             alt.CalculateTransform(calculate=f"datum.y + {BOX}", **{"as": "y2"})]
    rects = alt.Chart(charts.data("boxes"), transform=where, mark=alt.MarkDef(type="rect", cornerRadius=2),
                      encoding=alt.FacetedEncoding(
                          x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"),
                          color=alt.Color("row:N", scale=charts.colour_scale(names, [charts.SKY, charts.GREY,
                                                                                     charts.ORANGE]),
                                          legend=charts.legend()),
                          tooltip=[alt.Tooltip("row:N"), alt.Tooltip("x:Q", title="step"),
                                   alt.Tooltip("label:N", title="token")]))
    # a label reads upright when it fits its box's width at the width the chart is drawn, else turned
    drawn = "(isFinite(containerSize()[0]) ? containerSize()[0] : 600)"
    fits = f"length(datum.label) * {LETTER_PX} <= {BOX} * ({drawn} - 20) / {columns} - 4"
    text = alt.Chart(charts.data("boxes"), transform=where + [
                         alt.CalculateTransform(calculate=f"datum.x + {BOX / 2}", **{"as": "xm"}),
                         alt.CalculateTransform(calculate=f"datum.y + {BOX / 2}", **{"as": "ym"}),
                         alt.CalculateTransform(calculate=f"length(datum.label) <= 1 || {fits} ? 0 : 270",
                                                **{"as": "angle"})],
                     mark=alt.MarkDef(type="text", fontSize=11, limit=54, color="black"),
                     encoding=alt.FacetedEncoding(x=alt.X("xm:Q", scale=xs, axis=None),
                                                  y=alt.Y("ym:Q", scale=ys, axis=None),
                                                  angle=alt.Angle("angle:Q", scale=None),
                                                  text=alt.Text("label:N")))
    captions = alt.Chart(charts.data("captions"), mark=alt.MarkDef(type="text", align="left", fontSize=10,
                                                                   baseline="bottom"),
                         encoding=alt.FacetedEncoding(x=alt.X("x:Q", scale=xs, axis=None),
                                                      y=alt.Y("y:Q", scale=ys, axis=None),
                                                      text=alt.Text("caption:N")))
    caption_rows = [{"x": 0, "y": ROWS["input"] + BOX + 0.05, "caption": f"in: {r.input_shape}"},
                    {"x": 0, "y": ROWS["RNN step"] + BOX + 0.05, "caption": STEPS_CAPTION[r.pattern]},
                    {"x": 0, "y": ROWS["output"] - 0.42, "caption": f"out: {r.output_shape}"}]
    return charts.finish(
        alt.LayerChart(layer=[rects, text, captions], width="container", height=charts.HEIGHT,
                       title=charts.title(f"{r.pattern}: {r.answer}", [r.model, r.detail] + (
                           [f"the bag of words says: {r.baseline_answer}"] if r.baseline_answer else []))),
        boxes=boxes, captions=caption_rows)
