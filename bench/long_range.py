"""The step-4 claim, measured: on the adding problem at T = 100 the LSTM goes
below MSE 0.01 within 60 s while the tanh RNN stays within 10 % of the
predict-1 baseline. Runs the `long-range-memory` experiment exactly as the
lesson does (both models side by side) and times it from the progress reports.

    OPENBLAS_NUM_THREADS=1 python bench/long_range.py [--seq-len 100] [--steps 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from threadpoolctl import threadpool_limits

from rnnlab.experiments import long_range_memory as lrm


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq-len", type=int, default=100)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    reports: list[tuple[float, int, float, float]] = []  # (seconds, step, rnn mse, lstm mse)
    t0 = time.perf_counter()

    def progress(partial, fraction):
        reports.append((time.perf_counter() - t0, partial.step[-1], partial.rnn_loss[-1], partial.lstm_loss[-1]))

    with threadpool_limits(1):
        r = lrm.run(lrm.Params(seq_len=args.seq_len, train_steps=args.steps, seed=args.seed), progress)
    total = time.perf_counter() - t0

    below = next(((s, step) for s, step, _, lstm in reports if lstm < 0.01), None)
    gaps = [b[0] - a[0] for a, b in zip(reports, reports[1:])]
    rnn_gap = abs(r.rnn_eval - r.baseline) / r.baseline
    lstm_ok = below is not None and below[0] <= 60.0 and r.lstm_eval < 0.01
    rnn_ok = rnn_gap <= 0.10

    print(f"adding problem, T = {args.seq_len}, {args.steps} steps each, seed {args.seed}, batch {lrm.BATCH}")
    print(f"{'quantity':<44} {'measured':>12}")
    print(f"{'predict-1 baseline MSE (from the generator)':<44} {r.baseline:>12.4f}")
    print(f"{'LSTM: first interval with MSE < 0.01':<44} "
          + (f"{below[0]:>9.1f} s (step {below[1]})" if below else f"{'never':>12}"))
    print(f"{'LSTM held-out MSE at the end':<44} {r.lstm_eval:>12.5f}")
    print(f"{'tanh RNN held-out MSE at the end':<44} {r.rnn_eval:>12.5f}")
    print(f"{'tanh RNN distance from baseline':<44} {rnn_gap:>11.1%}")
    print(f"{'total wall time':<44} {total:>10.1f} s")
    print(f"{'progress reports / longest gap':<44} {len(reports):>5} / {max(gaps):.2f} s")
    print(f"LSTM below 0.01 within 60 s: {'PASS' if lstm_ok else 'FAIL'}; "
          f"tanh RNN within 10 % of baseline: {'PASS' if rnn_ok else 'FAIL'}")
    return 0 if lstm_ok and rnn_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
