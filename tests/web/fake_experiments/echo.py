"""A quick experiment: a geometric series rho**k, k < length."""

from typing import Literal

from pydantic import BaseModel, Field

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-echo", "A geometric series", 4, "quick"


class Params(BaseModel):
    rho: float = Field(0.5, ge=0.0, le=2.0, description="ratio")
    length: int = Field(5, ge=1, le=50, description="terms")
    shape: Literal["plain", "cumulative"] = Field("plain", description="show terms or running sums")
    poison: bool = Field(False, description="append a NaN, which JSON cannot carry")


class Result(BaseModel):
    values: list[float]


def run(params: Params, progress=None) -> Result:
    values = [params.rho**k for k in range(params.length)]
    if params.shape == "cumulative":
        values = [sum(values[: k + 1]) for k in range(len(values))]
    return Result(values=values + [float("nan")] * params.poison)


def chart(result: Result):
    return line(result.values, TITLE)
