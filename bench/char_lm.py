"""The lab's claim, measured: a character model trained by the `char-lm` experiment
(defaults: LSTM, H = 128, windows of 64) goes below the trigram baseline on Tiny
Shakespeare's last 10 % within 60 s. Runs the experiment exactly as the lab does
and times it from the progress reports.

    OPENBLAS_NUM_THREADS=1 python bench/char_lm.py [--cell lstm] [--hidden 128] [--steps 1500] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from threadpoolctl import threadpool_limits

from rnnlab.experiments import char_lm as lm


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", default="lstm", choices=["rnn", "lstm", "gru"])
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    seen: dict[int, float] = {}  # evaluation step -> seconds when it was reported
    t0 = time.perf_counter()

    def progress(partial, fraction):
        if partial.step[-1] not in seen:
            seen[partial.step[-1]] = time.perf_counter() - t0

    with threadpool_limits(1):
        r = lm.run(lm.Params(cell=args.cell, hidden_size=args.hidden, seq_len=args.seq_len,
                             steps=args.steps, seed=args.seed), progress)
    total = time.perf_counter() - t0

    trigram = r.baselines["trigram"]
    below = next(((step, loss) for step, loss in zip(r.step, r.val_loss) if loss < trigram), None)
    print(f"Tiny Shakespeare, 90/10 split, {args.cell.upper()} H = {args.hidden}, windows of {args.seq_len}, "
          f"batch {lm.BATCH}, {args.steps} steps, seed {args.seed}")
    print(f"{'validation loss (nats/char)':<40} {'value':>10}")
    for name, value in r.baselines.items():
        print(f"{name + ' baseline':<40} {value:>10.3f}")
    print(f"{'model at the end':<40} {r.val_loss[-1]:>10.3f}")
    print(f"{'time to below the trigram baseline':<40} "
          + (f"{seen[below[0]]:>8.1f} s (step {below[0]}, {below[1]:.3f})" if below else f"{'never':>10}"))
    print(f"{'total wall time':<40} {total:>8.1f} s")
    ok = below is not None and seen[below[0]] <= 60.0
    print(f"\nclaim (below the trigram baseline within 60 s): {'holds' if ok else 'FAILS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
