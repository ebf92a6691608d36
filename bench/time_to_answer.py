"""How long a learner waits for each training experiment's answer, at its defaults.

For every job experiment, three seeds, one BLAS thread (as the server's
workers run): the seconds until the chart first shows the experiment's answer,
and until the run ends. "The answer" is what the step's prose asks the learner
to see:

    long-range-memory  the LSTM's training loss below 10 % of the predict-1 baseline
    cell-race          both gated cells below the race's threshold (90 % of the baseline)
    seq2seq            the model with attention at >= 95 % exact match on the held-out dates

The lesson counts a job on a step's core path at its time to answer
(`rnnlab/lesson/references.py`, JOB_SECONDS); compare that table with the
slowest seed printed here. Wall-clock timings on a shared machine are noisy:
the load average is printed with them, and so is the CPU time the job used
(one thread), which is what the wall clock would read on a quiet machine.

    OPENBLAS_NUM_THREADS=1 python bench/time_to_answer.py [--only seq2seq] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import os
import time

from threadpoolctl import threadpool_limits

from rnnlab.experiments import cell_race, long_range_memory, seq2seq
from rnnlab.lesson.references import JOB_SECONDS


def _answered(exp_id: str, partial) -> bool:
    if exp_id == "long-range-memory":
        return bool(partial.lstm_loss) and partial.lstm_loss[-1] < 0.1 * partial.baseline
    if exp_id == "cell-race":
        return all(r.beat_step is not None for r in partial.racers if r.cell != "rnn")
    curve = next((c for c in partial.curves if c.model == "with attention"), None)
    return curve is not None and bool(curve.accuracy) and curve.accuracy[-1] >= 0.95


MODULES = {"long-range-memory": long_range_memory, "cell-race": cell_race, "seq2seq": seq2seq}


def measure(exp_id: str, seed: int) -> tuple[tuple[float, float] | None, tuple[float, float]]:
    """((wall, cpu) seconds to the answer or None, (wall, cpu) seconds to the end of the run)."""
    module = MODULES[exp_id]
    answer: list[tuple[float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()

    def progress(partial, fraction):
        if not answer and _answered(exp_id, partial):
            answer.append((time.perf_counter() - t0, time.process_time() - c0))

    with threadpool_limits(1):
        final = module.run(module.Params(seed=seed), progress)
    total = (time.perf_counter() - t0, time.process_time() - c0)
    if not answer and _answered(exp_id, final):
        answer.append(total)
    return (answer[0] if answer else None), total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=list(MODULES), action="append")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'experiment':<18} {'seed':>4} {'answer wall / cpu (s)':>22} {'run ends wall / cpu (s)':>24} "
          f"{'lesson counts (s)':>18}")
    for exp_id in args.only or MODULES:
        for seed in args.seeds:
            answer, total = measure(exp_id, seed)
            shown = f"{answer[0]:.1f} / {answer[1]:.1f}" if answer is not None else "never"
            ends = f"{total[0]:.1f} / {total[1]:.1f}"
            print(f"{exp_id:<18} {seed:>4} {shown:>22} {ends:>24} {JOB_SECONDS[exp_id]:>18.0f}", flush=True)
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
