"""A job that reports how many threads the BLAS under numpy may use in its worker process."""

from pydantic import BaseModel

from fake_experiments._chart import line

ID, TITLE, STEP, KIND = "fake-blas", "BLAS threads", 3, "job"


class Params(BaseModel):
    pass


class Result(BaseModel):
    values: list[float]


def run(params: Params, progress=None) -> Result:
    import numpy  # noqa: F401 - loads the BLAS
    from threadpoolctl import threadpool_info

    return Result(values=[float(pool["num_threads"]) for pool in threadpool_info() if pool["user_api"] == "blas"])


def chart(result: Result):
    return line(result.values, TITLE)
