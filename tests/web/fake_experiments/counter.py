"""A job that counts to ``steps``, sleeping ``delay_s`` between counts and reporting each one."""

import time

from pydantic import BaseModel, Field

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-counter", "Counting", 3, "job"


class Params(BaseModel):
    steps: int = Field(10, ge=1, le=1000, description="how far to count")
    delay_s: float = Field(0.05, ge=0.0, le=1.0, description="sleep between counts")


class Result(BaseModel):
    counts: list[float]


def run(params: Params, progress=None) -> Result:
    counts: list[float] = []
    for k in range(params.steps):
        time.sleep(params.delay_s)
        counts.append(float(k))
        if progress is not None:
            progress(Result(counts=counts), (k + 1) / params.steps)
    return Result(counts=counts)


def chart(result: Result):
    return line(result.counts, TITLE)
