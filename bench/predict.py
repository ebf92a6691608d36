"""How long grading a predict check takes: its experiment run at the check's params.

    OPENBLAS_NUM_THREADS=1 python bench/predict.py [-n 10]

For every predict check: the first run (which includes first-use training of
the experiment's small models, as ``warm_up`` does at server start), then n
uncached runs of ``run(params)`` plus the measure (what ``POST /api/checks/{id}``
costs the first time a process grades that check; later gradings are memoised).
Prints wall-clock p50 / max and median CPU time in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rnnlab.experiments import registry, runner  # noqa: E402
from rnnlab.lesson import load_lesson  # noqa: E402
from rnnlab.lesson.measures import MEASURES  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="uncached runs per check")
    n = parser.parse_args().n
    print(f"{'check':28} {'experiment':20} {'first ms':>9} {'p50 ms':>7} {'max ms':>7} {'cpu ms':>7}  value")
    for check in (c for c in load_lesson().checks.values() if c.kind == "predict"):
        spec = check.prediction
        module = registry.get(spec.experiment)
        params = runner.parse_params(module, spec.params)
        start = time.perf_counter()
        value = MEASURES[spec.measure](module.run(params))["value"]
        first = time.perf_counter() - start
        wall, cpu = [], []
        for _ in range(n):
            w, c = time.perf_counter(), time.process_time()
            MEASURES[spec.measure](module.run(params))
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
        print(f"{check.id:28} {spec.experiment:20} {1e3 * first:9.0f} {1e3 * statistics.median(wall):7.1f} "
              f"{1e3 * max(wall):7.1f} {1e3 * statistics.median(cpu):7.1f}  {value}")


if __name__ == "__main__":
    main()
