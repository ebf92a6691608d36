"""Backpropagation through time on a tiny RNN, and what truncating it costs.

The task: read x_1 … x_T (each U(-1, 1)) and output at every step the input
seen ``delay`` steps earlier, y_t = x_{t−delay} (0 before the sequence starts).
The model is ``nn.RNN`` (tanh) -> ``nn.Linear`` to one number per step, trained
here for ``train_steps`` Adam steps (lr 0.02, batches of 32 fresh sequences).
The loss is the mean squared error over all steps, L = (1/T) Σ_t L_t.

Then, on a fixed evaluation batch of 32 sequences:

- the loss of each step, L_t: the unrolled network is T copies of one cell
  sharing W_hh, each with its own loss;
- BPTT's sum: ∂L/∂W_hh = Σ_t δ_t h_{t−1}ᵀ with δ_t = (1 − h_t²) ⊙ ∂L/∂h_t,
  the gradient at the pre-activation of step t. Each term is built from the
  engine's trace (h_t and ∂L/∂h_t after ``backward``); their sum equals the
  engine's ``grads["weight_hh_l0"]``. A step's share is ⟨term_t, g⟩ / ‖g‖²,
  and the shares add up to 1;
- truncated BPTT with window k, as in practice: the sequence is cut into
  windows of k steps, the hidden state is carried across, but no gradient
  crosses a window's start. The engine runs all windows as one batch, each
  starting from the hidden state the full pass reached there. The chart shows
  the cosine similarity of that gradient with the full one for every k.

Letters: B batch, T time, H hidden, K window.
"""

from __future__ import annotations

import altair as alt
import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn
from rnnlab.experiments import _charts as charts

ID = "bptt"
TITLE = "Backpropagation through time, full and truncated"
STEP = 3
KIND = "quick"

BATCH = 32
LR = 0.02


class Params(BaseModel):
    model_config = {"extra": "forbid"}

    seq_len: int = Field(12, ge=4, le=40, title="Sequence length T", description="Number of time steps unrolled.")
    hidden_size: int = Field(8, ge=2, le=32, title="Hidden size H", description="Number of hidden units.")
    delay: int = Field(3, ge=0, le=8, title="Delay d",
                       description="The target at step t is the input from d steps earlier.")
    train_steps: int = Field(60, ge=0, le=300, title="Training steps",
                             description="Adam steps before the gradient is taken apart.")
    window: int = Field(4, ge=1, le=40, title="Truncation window k",
                        description="Truncated BPTT backpropagates at most k steps (clamped to T).")
    seed: int = Field(0, ge=0, le=1000, title="Seed", description="Seed for weights and data.")


class Result(BaseModel):
    seq_len: int
    delay: int
    window: int  # k actually used (≤ T)
    train_loss: list[float]  # loss after each training step (empty without training)
    step_loss: list[float]  # (T,) L_t on the evaluation batch
    grad_share: list[float]  # (T,) ⟨term_t, g⟩ / ‖g‖²; sums to 1
    grad_term_norm: list[float]  # (T,) ‖δ_t h_{t−1}ᵀ‖
    cosine: list[float]  # cosine(g_k, g) for k = 1 … T
    grad_norm: float  # ‖∂L/∂W_hh‖, full BPTT


def task_batch(rng: np.random.Generator, batch: int, T: int, delay: int) -> tuple[np.ndarray, np.ndarray]:
    """x (B, T, 1) ~ U(-1, 1) and y (B, T, 1) with y_t = x_{t−delay}, 0 before the start."""
    x = rng.uniform(-1.0, 1.0, size=(batch, T, 1)).astype(np.float32)
    y = np.zeros_like(x)
    y[:, delay:] = x[:, : T - delay]
    return x, y


class TinyRNN(nn.Module):
    """x (B, T, 1) -> tanh RNN -> Linear -> y (B, T, 1)."""

    def __init__(self, hidden_size: int, seed: int):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, seed=seed)
        self.out = nn.Linear(hidden_size, 1, seed=seed + 1)
        self.children = {"rnn": self.rnn, "out": self.out}

    def loss_and_backward(self, x: np.ndarray, y: np.ndarray, state=None) -> np.ndarray:
        """Forward, per-element squared error (B, T, 1), and backward of its mean."""
        h, _ = self.rnn.forward(x, state)  # (B, T, H)
        pred = self.out.forward(h)  # (B, T, 1)
        _, dpred = nn.mse(pred, y)
        self.rnn.backward(self.out.backward(dpred))
        return (pred - y) ** 2


def _truncated_grad(model: TinyRNN, x, y, h, k: int) -> np.ndarray:
    """∂L/∂W_hh when no gradient crosses the start of a window of k steps.

    x, y (B, T, 1); h (B, T, H) the hidden states of the full pass."""
    B, T, _ = x.shape
    n = -(-T // k)  # windows
    pad = n * k - T
    xw = np.concatenate([x, np.zeros((B, pad, 1), x.dtype)], axis=1).reshape(B * n, k, 1)  # (B n, K, 1)
    yw = np.concatenate([y, np.zeros((B, pad, 1), y.dtype)], axis=1).reshape(B * n, k, 1)
    mask = np.concatenate([np.ones((B, T, 1)), np.zeros((B, pad, 1))], axis=1).reshape(B * n, k, 1)
    starts = np.zeros((B, n, h.shape[2]), h.dtype)  # state entering each window, (B, n, H)
    starts[:, 1:] = h[:, k - 1 : T - 1 : k][:, : n - 1]
    model.zero_grad()
    hw, _ = model.rnn.forward(xw, starts.reshape(1, B * n, -1))  # (B n, K, H)
    pred = model.out.forward(hw)
    dpred = 2.0 * (pred - yw) * mask / (B * T)  # the full loss's mean; padded steps carry none
    model.rnn.backward(model.out.backward(dpred.astype(np.float32)))
    return model.rnn.grads["weight_hh_l0"].copy()


def run(params: Params, progress=None) -> Result:
    p = params
    T, k = p.seq_len, min(p.window, p.seq_len)
    delay = min(p.delay, T - 1)
    rng = np.random.default_rng(p.seed)
    model = TinyRNN(p.hidden_size, p.seed)
    opt = nn.Adam(model.params, model.grads, lr=LR)
    train_loss = []
    for _ in range(p.train_steps):
        x, y = task_batch(rng, BATCH, T, delay)
        model.zero_grad()
        train_loss.append(float(model.loss_and_backward(x, y).mean()))
        opt.step()

    x, y = task_batch(np.random.default_rng([p.seed, 99]), BATCH, T, delay)
    model.zero_grad()
    sq_err = model.loss_and_backward(x, y)  # (B, T, 1)
    g = model.rnn.grads["weight_hh_l0"].copy()  # (H, H)
    h, dh = model.rnn.trace.h, model.rnn.trace.dh  # (B, T, H) each
    delta = (1.0 - h * h) * dh  # (B, T, H) ∂L/∂a_t, backprop through tanh
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)  # (B, T, H), h_0 = 0
    terms = np.einsum("bti,btj->tij", delta, h_prev)  # (T, H, H): δ_t h_{t−1}ᵀ summed over the batch
    gg = float(np.sum(g * g))
    share = np.einsum("tij,ij->t", terms, g) / gg if gg > 0 else np.zeros(T)

    h_full = np.array(h)
    cosine = []
    for window in range(1, T + 1):
        gk = _truncated_grad(model, x, y, h_full, window)
        denom = np.linalg.norm(gk) * np.sqrt(gg)
        cosine.append(float(np.sum(gk * g) / denom) if denom > 0 else 0.0)

    def r4(a):
        return [float(f"{v:.4g}") for v in a]

    return Result(
        seq_len=T, delay=delay, window=k, train_loss=r4(train_loss),
        step_loss=r4(sq_err.mean(axis=(0, 2))), grad_share=r4(share),
        grad_term_norm=r4(np.linalg.norm(terms, axis=(1, 2))), cosine=r4(cosine),
        grad_norm=float(f"{np.sqrt(gg):.6g}"),
    )


def chart(result: Result) -> alt.TopLevelMixin:
    r = result
    steps = [{"t": list(range(1, r.seq_len + 1)), "loss": r.step_loss, "share": r.grad_share,
              "norm": r.grad_term_norm}]
    every, yours = "every window k", f"your window k = {r.window}"
    cos = [{"k": list(range(1, r.seq_len + 1)), "cosine": r.cosine, "series": every}]
    x_steps = alt.X("t:O", title="time step t", axis=alt.Axis(labelAngle=0))
    trained = (f"{len(r.train_loss)} training steps: loss {charts.fmt(r.train_loss[0])} → "
               f"{charts.fmt(r.train_loss[-1])}" if r.train_loss else "untrained")

    # Each view is built by one constructor call: chained Altair calls copy the whole chart each time.
    flat_steps = [alt.FlattenTransform(flatten=["t", "loss", "share", "norm"])]
    loss = alt.Chart(
        charts.data("steps"), transform=flat_steps, mark=alt.MarkDef(type="bar", color=charts.SKY),
        encoding=alt.FacetedEncoding(
            x=x_steps, y=alt.Y("loss:Q", title="squared error L_t"),
            tooltip=[alt.Tooltip("t:O"), alt.Tooltip("loss:Q", format=".4f")]),
        title=charts.title("Loss at each unrolled step",
                           [f"target: the input from {r.delay} steps earlier", trained]),
        width="container", height=150)

    share = alt.Chart(
        charts.data("steps"), transform=flat_steps, mark=alt.MarkDef(type="bar", color=charts.ORANGE),
        encoding=alt.FacetedEncoding(
            x=x_steps, y=alt.Y("share:Q", title="share of the gradient", axis=alt.Axis(format=".0%")),
            tooltip=[alt.Tooltip("t:O"), alt.Tooltip("share:Q", format=".1%"),
                     alt.Tooltip("norm:Q", title="‖term‖", format=".3g")]),
        title=charts.title("Each step's share of ∂L/∂W_hh", "BPTT adds one term per step; the shares sum to 100%"),
        width="container", height=150)

    x_k = alt.X("k:Q", title="truncation window k (steps)", scale=alt.Scale(domain=[1, r.seq_len]),
                axis=alt.Axis(tickMinStep=1, format="d"))  # whole steps only
    y_cos = alt.Y("cosine:Q", title="cosine(truncated, full)", scale=alt.Scale(domain=[min(0.0, min(r.cosine)), 1]))
    colour = alt.Color("series:N", scale=charts.colour_scale([every, yours], [charts.GREEN, charts.VERMILLION]),
                       legend=charts.legend())
    line = alt.Chart(
        charts.data("truncation"), transform=[alt.FlattenTransform(flatten=["k", "cosine"])],
        mark=alt.MarkDef(type="line", point=True),
        encoding=alt.FacetedEncoding(x=x_k, y=y_cos, color=colour,
                                     tooltip=[alt.Tooltip("k:Q"), alt.Tooltip("cosine:Q", format=".4f")]))
    dot = alt.Chart(
        charts.data("chosen"), mark=alt.MarkDef(type="point", size=180, filled=True, shape="diamond"),
        encoding=alt.FacetedEncoding(x=x_k, y=y_cos, color=colour))
    trunc = alt.LayerChart(
        layer=[line, dot], width="container", height=170,
        title=charts.title("Truncated BPTT vs the full gradient",
                           f"window k = {r.window}: cosine similarity {r.cosine[r.window - 1]:.3f}"))

    return charts.finish(
        alt.VConcatChart(vconcat=[loss, share, trunc], spacing=24,
                         title=charts.title("Backpropagation through time", f"tanh RNN, T = {r.seq_len}")),
        steps=steps, truncation=cos,
        chosen=[{"k": r.window, "cosine": r.cosine[r.window - 1], "series": yours}])
