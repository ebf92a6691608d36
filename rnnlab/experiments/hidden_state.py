"""The hidden state as memory: what a trained character RNN carries while it reads.

The model: ``nn.CharLM`` (one-hot characters -> tanh ``nn.RNN``, H = 32 ->
``nn.Linear`` to the next character's scores), trained by ``trained_weights``
at first use on the shipped Tiny Shakespeare: 600 Adam steps (lr 0.02,
gradients clipped to norm 1) on 32 random 32-character windows each, seed 0,
a second or two. The weights are memoised for the life of the process
(``warm_up()`` trains them ahead); every ``run`` builds its own copy, in
float64 (the pull of a character 200 steps back, ~1e-50, is below float32's
range), so concurrent requests never share a layer's cache.

For the learner's text (up to 200 characters of Shakespeare's alphabet):

- the hidden state h_t (H units) after every character: the heatmap;
- for the chosen step t, how strongly each earlier character x_k still moves
  h_t: the Frobenius norm of the Jacobian ∂h_t/∂x_k (H × V) for every k ≤ t.
  It is exact, from the engine's backward: the prefix is run as a batch of
  H copies, copy b gets the output gradient e_b at step t only, so its input
  gradient at k is row b of ∂h_t/∂x_k; the norm is taken over all rows.
- what the model expects next after step t (its five likeliest characters).

Letters: T characters, H hidden units, V alphabet size.
"""

from __future__ import annotations

import functools
import json
import math

import altair as alt
import numpy as np
from pydantic import BaseModel, Field, field_validator

from rnnlab import nn
from rnnlab.experiments._trained import train_once
from rnnlab.experiments import _charts as charts
from rnnlab.tasks.corpora import CharVocab, shakespeare

ID = "hidden-state"
TITLE = "The hidden state while reading, and how fast it forgets"
STEP = 2
KIND = "quick"

HIDDEN = 32
TRAIN_STEPS = 600
WINDOW = 32
BATCH = 32
LR = 0.02
SEED = 0
MAX_CHARS = 200


@functools.cache
def vocab() -> CharVocab:
    """Shakespeare's 65 characters."""
    return CharVocab.from_text(shakespeare())


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    text: str = Field(
        "To be, or not to be, that is the question:", min_length=2, max_length=MAX_CHARS, title="Text",
        description="Up to 200 characters: letters, digit 3, space, newline and ! $ & ' , - . : ; ?",
        examples=["To be, or not to be, that is the question:", "ROMEO:\nBut, soft! what light through yonder window breaks?",
                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                  "the the the the the the the the the the"])
    step: int = Field(
        0, ge=0, le=MAX_CHARS, title="Step t",
        description="Look at the state after this many characters (0 = after the whole text; clamped to its length).")

    @field_validator("text")
    @classmethod
    def _known_characters(cls, text: str) -> str:
        unknown = sorted(set(text) - set(vocab().chars))
        if unknown:
            raise ValueError(f"the model only knows Shakespeare's characters; not {''.join(unknown)!r}. "
                             f"It knows: {''.join(c for c in vocab().chars if c != chr(10))!r} and newline")
        return text


class Result(BaseModel):
    chars: list[str]  # (T,)
    hidden: list[list[float]]  # (T, H): h_t per character, 2 decimals
    step: int  # t, 1-based: the state after this many characters
    memory: list[float]  # (step,) ‖∂h_t/∂x_k‖ for k = 1 … step (character k at index k − 1)
    next_chars: list[str]  # the 5 likeliest characters after step t
    next_probs: list[float]
    train_loss: float  # nats per character at the end of training
    uniform_loss: float  # ln V: guessing uniformly


@train_once
def trained_weights() -> tuple[dict, float]:
    """(CharLM state_dict, mean loss of the last 50 steps), trained once per process."""
    ids = vocab().encode(shakespeare())
    model = nn.CharLM(len(vocab()), HIDDEN, cell="rnn", seed=SEED)
    opt = nn.Adam(model.params, model.grads, lr=LR)
    rng = np.random.default_rng(SEED)
    losses = []
    for _ in range(TRAIN_STEPS):
        starts = rng.integers(0, len(ids) - WINDOW - 1, size=BATCH)
        batch = ids[starts[:, None] + np.arange(WINDOW + 1)]  # (B, T+1)
        model.zero_grad()
        loss, dlogits = nn.softmax_cross_entropy(model.forward(batch[:, :-1]), batch[:, 1:])
        model.backward(dlogits)
        nn.clip_grad_norm(model.grads, 1.0)
        opt.step()
        losses.append(loss)
    return model.state_dict(), float(np.mean(losses[-50:]))


def warm_up() -> None:
    trained_weights()


def model(dtype=np.float32) -> nn.CharLM:
    """A fresh CharLM holding the trained weights (trained in float32)."""
    state, _ = trained_weights()
    m = nn.CharLM(len(vocab()), HIDDEN, cell="rnn", dtype=dtype, seed=SEED)
    m.load_state_dict(state)
    return m


def memory(m: nn.CharLM, x: np.ndarray, t: int) -> np.ndarray:
    """‖∂h_t/∂x_k‖_F for k = 0 … t (0-based), x one-hot (1, T, V)."""
    H = m.hidden_size
    xb = np.repeat(x[:, : t + 1], H, axis=0)  # (H, t+1, V): one copy per output unit
    m.rnn.forward(xb)
    dout = np.zeros((H, t + 1, H), dtype=m.dtype)
    dout[np.arange(H), t, np.arange(H)] = 1.0  # copy b asks for ∂h_t[b]/∂·
    dx, _ = m.rnn.backward(dout)  # (H, t+1, V)
    return np.sqrt(np.sum(dx.astype(np.float64) ** 2, axis=(0, 2)))  # (t+1,)


def run(params: Params, progress=None) -> Result:
    m = model(np.float64)  # float64: the memory of 200 characters back is ~1e-50, below float32's range
    ids = vocab().encode(params.text)
    T, V = len(ids), len(vocab())
    t = T - 1 if params.step == 0 else min(params.step, T) - 1  # 0-based
    x = nn.one_hot(ids, V, np.float64)[None]  # (1, T, V)
    h, _ = m.rnn.forward(x)  # (1, T, H)
    h = np.array(h[0])  # (T, H)
    p = nn.softmax(m.linear.forward(h[t][None])[0].astype(np.float64))  # (V,)
    top = np.argsort(-p)[:5]
    mem = memory(m, x, t)
    return Result(
        chars=list(params.text), hidden=np.round(h, 2).tolist(), step=t + 1,
        memory=[float(f"{v:.4g}") for v in mem],
        next_chars=[vocab().chars[i] for i in top], next_probs=[round(float(p[i]), 4) for i in top],
        train_loss=round(trained_weights()[1], 4), uniform_loss=round(math.log(V), 4),
    )


def _show(c: str) -> str:
    return {" ": "␣", "\n": "⏎"}.get(c, c)


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    T, H = len(r.chars), len(r.hidden[0])
    t = r.step - 1  # 0-based index of step t; the chart counts characters from 1
    positions = list(range(1, T + 1))
    labels = json.dumps([_show(c) for c in r.chars])
    def x_axis(title: str) -> alt.X:
        return alt.X("t:O", title=title, scale=alt.Scale(domain=positions),
                     axis=alt.Axis(labelExpr=f"{labels}[datum.value - 1]", labelAngle=0, labelOverlap=True))

    x = x_axis("character read at step t")
    grid = charts.table(t=[i + 1 for i in range(T) for _ in range(H)], unit=list(range(H)) * T,
                        h=[v for row in r.hidden for v in row])
    # Views are built by one constructor call each: chained Altair calls copy the whole chart every time.
    heat = alt.Chart(
        grid, transform=[alt.CalculateTransform(calculate=f"{labels}[datum.t - 1]", **{"as": "char"})],
        mark=alt.MarkDef(type="rect"),
        encoding=alt.FacetedEncoding(
            x=x, y=alt.Y("unit:O", title=f"hidden unit (of {H})", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("h:Q", title="h_t (−1 … 1)", scale=alt.Scale(scheme=charts.DIVERGING, domain=[-1, 1]),
                            legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=160)),
            tooltip=[alt.Tooltip("t:O", title="step"), alt.Tooltip("char:N", title="character"),
                     alt.Tooltip("unit:O"), alt.Tooltip("h:Q", format=".2f")]))
    here = alt.Chart(charts.data("here"), mark=alt.MarkDef(type="rect", fill=None, stroke=charts.VERMILLION,
                                                           strokeWidth=2),
                     encoding=alt.FacetedEncoding(x=x))
    expects = ", ".join(f"“{_show(c)}” {p:.0%}" for c, p in zip(r.next_chars[:3], r.next_probs[:3]))
    top = alt.LayerChart(
        layer=[heat, here], width="container", height=min(6 * H, 200),
        title=charts.title("Hidden state after each character",
                           [f"tanh RNN, {H} units, trained on Shakespeare",
                            f"loss {r.train_loss:.2f} nats/char (guessing: {r.uniform_loss:.2f})",
                            f"after “{_show(r.chars[t])}” (step {r.step}) it expects {expects}"]))

    label = "‖∂h_t/∂x_k‖"
    mem = alt.Chart(
        charts.data("memory"), transform=[alt.FlattenTransform(flatten=["t", "memory"])],
        mark=alt.MarkDef(type="line", point=True, strokeWidth=2),
        encoding=alt.FacetedEncoding(
            x=x_axis("earlier character x_k"), y=alt.Y("memory:Q", title="sensitivity ‖∂h_t/∂x_k‖ (log)", scale=alt.Scale(type="log"),
                         axis=alt.Axis(format=".0e", tickCount=6)),
            color=alt.Color("series:N", scale=charts.colour_scale([label]), legend=charts.legend()),
            tooltip=[alt.Tooltip("t:O", title="k"), alt.Tooltip("memory:Q", format=".3g")]),
        title=charts.title(f"How much each character still moves h_{r.step}",
                           "the further back, the weaker its pull: memory fades"),
        width="container", height=170)

    return charts.finish(
        alt.VConcatChart(vconcat=[top, mem], spacing=24),
        here=[{"t": r.step}],
        memory=[{"t": list(range(1, r.step + 1)), "memory": r.memory, "series": label}],
    )
