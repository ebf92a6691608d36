"""A job that never calls ``progress`` and so never notices a cancel: it has to be killed."""

import time

from pydantic import BaseModel, Field

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-stubborn", "Ignoring everyone", 3, "job"
TIME_LIMIT_S = 30.0


class Params(BaseModel):
    seconds: float = Field(60.0, ge=0.0, le=600.0, description="how long to sleep")


class Result(BaseModel):
    values: list[float]


def run(params: Params, progress=None) -> Result:
    time.sleep(params.seconds)
    return Result(values=[0.0])


def chart(result: Result):
    return line(result.values, TITLE)
