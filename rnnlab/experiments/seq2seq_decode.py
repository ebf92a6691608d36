"""Step 7, after the job: greedy decoding of the learner's own date by the trained models.

The ``seq2seq`` job's final Result carries the trained weights
(``_packing.PackedModel``); the page posts them back with the learner's text
to ``POST /api/lab/seq2seq/decode``, which calls ``decode`` and draws
``decode_chart``: with attention, the weights a_{t,j} (output step × source
character); without, the probability of each emitted character.
"""

from __future__ import annotations

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts
from rnnlab.experiments._packing import PackedModel, unpack
from rnnlab.experiments.seq2seq import MODEL
from rnnlab.tasks import dates


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
    """Greedy decoding of the request's text by each trained model; ValueError on bad weights.
    The text is padded exactly as in training (``dates.encode_sources``)."""
    src, mask = dates.encode_sources([request.text])  # (1, SOURCE_LEN)
    out = []
    for name, packed in request.weights.items():
        model = unpack(packed, MODEL)  # the vocabularies are the dates' (MODEL's bounds)
        ids, weights = model.greedy_decode(src, dates.BOS_ID, dates.EOS_ID, dates.TARGET_LEN, mask)
        row = ids[0][: list(ids[0]).index(dates.EOS_ID) + 1] if dates.EOS_ID in ids[0] else ids[0]
        tgt_in = np.concatenate([[dates.BOS_ID], row[:-1]])[None]  # (1, T') the decoder read its own outputs
        probs = nn.softmax(model.forward(src, tgt_in, mask).astype(np.float64))[0]  # (T', V), the same pass again
        order = np.argsort(-probs, axis=1)
        out.append(Decoding(
            model=name, output=dates.decode_target(row), steps=[_symbol(int(i)) for i in row],
            probability=[round(float(probs[t, i]), 4) for t, i in enumerate(row)],
            runner_up=[_symbol(int(order[t, 1])) for t in range(len(row))],
            attention=None if weights is None else np.round(weights[0, : len(row)][:, mask[0]], 4).tolist(),
        ))  # the padding's columns dropped: attention gives them weight 0
    source = [dates.SRC_VOCAB.chars[i] for i in src[0, mask[0]]]
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
                color=alt.Color("weight:Q", title="attention", scale=alt.Scale(domain=[0, 1], range=["#f7fbff", "#08519c"])),
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
