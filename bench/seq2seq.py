"""The step-7 claim, measured: the encoder-decoder with attention reaches >= 95 % exact
match on held-out dates within 60 s, and the one without attention is measurably worse
on the longest inputs. Runs the `seq2seq` experiment exactly as the lesson does (both
models trained in turns) and times it from the progress reports.

    OPENBLAS_NUM_THREADS=1 python bench/seq2seq.py [--steps N] [--hidden H] [--lr LR] [--seed 0]   (defaults: the lesson's)
"""

from __future__ import annotations

import argparse
import time

from threadpoolctl import threadpool_limits

from rnnlab.experiments import seq2seq as s2s


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = s2s.Params()
    ap.add_argument("--steps", type=int, default=defaults.steps)
    ap.add_argument("--hidden", type=int, default=defaults.hidden_size)
    ap.add_argument("--lr", type=float, default=defaults.learning_rate)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    seen: dict[int, float] = {}  # step -> seconds when its evaluation was reported
    t0 = time.perf_counter()

    def progress(partial, fraction):
        for c in partial.curves:
            if c.step and c.step[-1] not in seen:
                seen[c.step[-1]] = time.perf_counter() - t0

    with threadpool_limits(1):
        r = s2s.run(s2s.Params(steps=args.steps, hidden_size=args.hidden, learning_rate=args.lr, seed=args.seed), progress)
    total = time.perf_counter() - t0

    att = next(c for c in r.curves if c.model == s2s.NAMES[True])
    first = next((step for step, a in zip(att.step, att.accuracy) if a >= 0.95), None)
    reached = seen.get(first, total) if first is not None else None
    print(f"dates -> ISO, GRU encoder-decoder, H = {args.hidden}, lr {args.lr}, {args.steps} steps each "
          f"(both models in turns), batch {s2s.BATCH}, seed {args.seed}")
    print(f"{'time to 95 % held-out exact match (attention)':<48} "
          + (f"{reached:>7.1f} s (step {first})" if reached is not None else "never"))
    for c in r.curves:
        print(f"{'final held-out exact match, ' + c.model:<48} {c.accuracy[-1]:>8.1%}")
    print(f"{'total wall time (both models)':<48} {total:>7.1f} s")
    print()
    print(f"{'source length':<14} {'dates':>6} " + " ".join(f"{c.model:>18}" for c in r.curves))
    for lengths in dict.fromkeys(row.lengths for row in r.by_length):
        rows = {row.model: row for row in r.by_length if row.lengths == lengths}
        n = next(iter(rows.values())).n
        print(f"{lengths:<14} {n:>6} " + " ".join(f"{rows[c.model].accuracy:>18.1%}" for c in r.curves))
    longest = r.by_length[-1].lengths
    gap = {row.model: row.accuracy for row in r.by_length if row.lengths == longest}
    ok = reached is not None and reached <= 60.0 and gap[s2s.NAMES[True]] - gap[s2s.NAMES[False]] >= 0.10
    print(f"\nclaim (>= 95 % within 60 s; no-attention >= 10 points worse on {longest}): {'holds' if ok else 'FAILS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
