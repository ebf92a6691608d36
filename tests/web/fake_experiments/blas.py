"""A job that reports its worker process: the BLAS threads numpy may use, and its niceness."""

import os

from pydantic import BaseModel

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-blas", "BLAS threads", 3, "job"


class Params(BaseModel):
    pass


class Result(BaseModel):
    values: list[float]  # threads of each BLAS loaded
    niceness: int


def run(params: Params, progress=None) -> Result:
    import numpy  # noqa: F401 - loads the BLAS
    from threadpoolctl import threadpool_info

    threads = [float(pool["num_threads"]) for pool in threadpool_info() if pool["user_api"] == "blas"]
    return Result(values=threads, niceness=os.nice(0))


def chart(result: Result):
    return line(result.values, TITLE)
