"""A job that reports once and then blows up with ``Diverged``."""

from pydantic import BaseModel

from fake_experiments._chart import line
from rnnlab.experiments import Diverged

ID, TITLE, STEP, KIND = "fake-diverges", "Blowing up", 3, "job"


class Params(BaseModel):
    pass


class Result(BaseModel):
    losses: list[float]


def run(params: Params, progress=None) -> Result:
    if progress is not None:
        progress(Result(losses=[1.0, 10.0]), 0.5)
    raise Diverged("the loss became NaN at step 3: lower the learning rate")


def chart(result: Result):
    return line(result.losses, TITLE)
