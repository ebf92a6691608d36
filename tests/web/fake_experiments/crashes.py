"""A job whose ``run`` has a bug: it raises something other than ``Diverged``."""

from pydantic import BaseModel

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-crashes", "A bug", 3, "job"


class Params(BaseModel):
    pass


class Result(BaseModel):
    values: list[float]


def run(params: Params, progress=None) -> Result:
    return Result(values=[1.0 / 0.0])


def chart(result: Result):
    return line(result.values, TITLE)
