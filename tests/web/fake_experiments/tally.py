"""A quick experiment that counts its runs: ``RUNS`` lists the params of every call to ``run``
(the result-cache tests read it; each test clears it first)."""

from pydantic import BaseModel, Field

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-tally", "Counted runs", 4, "quick"

RUNS: list[dict] = []


class Params(BaseModel):
    rho: float = Field(0.5, ge=0.0, le=2.0, description="ratio")
    length: int = Field(5, ge=1, le=5000, description="terms (5000 makes a payload of ~100 kB)")
    poison: bool = Field(False, description="append a NaN, which JSON cannot carry")


class Result(BaseModel):
    values: list[float]


def run(params: Params, progress=None) -> Result:
    RUNS.append(params.model_dump())
    return Result(values=[params.rho**k for k in range(params.length)] + [float("nan")] * params.poison)


def chart(result: Result):
    return line(result.values, TITLE)
