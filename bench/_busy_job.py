"""A job experiment for bench/web_jobs.py: a small tanh RNN trained step after step (CPU-bound, per-step Python)."""

import numpy as np
from pydantic import BaseModel, Field

from rnnlab import nn

ID, TITLE, STEP, KIND = "bench-busy", "Busy training loop", 3, "job"


class Params(BaseModel):
    steps: int = Field(100_000, ge=1, description="optimizer steps")


class Result(BaseModel):
    losses: list[float]


def run(params: Params, progress=None) -> Result:
    rng = np.random.default_rng(0)
    rnn, head = nn.RNN(input_size=2, hidden_size=32, seed=0), nn.Linear(32, 1, seed=1)
    x = rng.random((16, 50, 2), dtype=np.float32)
    y = x[:, :, :1].sum(axis=1) / 50  # (B, 1)
    losses: list[float] = []
    for step in range(params.steps):
        out, _ = rnn.forward(x)
        pred = head.forward(out[:, -1])
        loss, dpred = nn.mse(pred, y)
        rnn.zero_grad()
        head.zero_grad()
        dlast = head.backward(dpred)
        dout = np.zeros_like(out)
        dout[:, -1] = dlast
        rnn.backward(dout)
        for layer in (rnn, head):
            for name, value in layer.params.items():
                value -= 0.01 * layer.grads[name]
        losses.append(float(loss))
        if progress is not None:
            progress(Result(losses=losses[-50:]), (step + 1) / params.steps)
    return Result(losses=losses[-50:])


def chart(result: Result):
    import altair as alt

    data = alt.Data(values=[{"step": i, "loss": v} for i, v in enumerate(result.losses)])
    return alt.Chart(data).mark_line().encode(x="step:Q", y="loss:Q")
