"""The step-7 claims, measured: the encoder-decoder with attention reaches >= 95 % exact
match on held-out dates within 60 s, and gets every field of the date right; the one
without attention gets the year (read last) right far more often than the day (read
earlier): the fixed-size context loses what it had to carry. (The month, also read
earlier, is lost in some runs and kept in others: seed 0 about 50 %, seeds 1 and 2 over 99 %.) Decoding the held-out
dates one at a time, as the page does, scores the same as the batch evaluation. Runs the
`seq2seq` experiment exactly as the lesson does (both models trained in turns) and times
it from the progress reports.

    OPENBLAS_NUM_THREADS=1 python bench/seq2seq.py [--steps N] [--hidden H] [--lr LR] [--seed 0]   (defaults: the lesson's)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from rnnlab import nn
from rnnlab.experiments import seq2seq as s2s
from rnnlab.experiments import seq2seq_decode as dec
from rnnlab.experiments._packing import unpack
from rnnlab.tasks import dates


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
    print(f"{'field of the answer':<20} {'chars after it':>14} " + " ".join(f"{c.model:>18}" for c in r.curves)
          + f" {'(no attention, when written first)':>36}")
    rows = {(row.model, row.field): row for row in r.by_field}
    for field in s2s.FIELDS:
        any_row = next(row for row in r.by_field if row.field == field)
        first = rows.get((s2s.NAMES[False], field))
        print(f"{field:<20} {any_row.after:>14.1f} " + " ".join(f"{rows[c.model, field].accuracy:>18.1%}" for c in r.curves)
              + f" {(f'{first.read_first:.1%}' if first and first.read_first is not None else '-'):>36}")

    sources, targets = dates.sample_pairs(np.random.default_rng(s2s.EVAL_SEED), s2s.EVAL_N, "test")
    one = {"with attention": r.weights[s2s.NAMES[True]]}
    alone = [dec.decode(dec.DecodeRequest(text=t, weights=one)).decodings[0].output for t in sources]
    batch = s2s._exact(unpack(one["with attention"], s2s.MODEL), sources, targets)[1]
    print(f"\nheld-out exact match with attention, {len(sources)} dates one at a time (as the page decodes): "
          f"{np.mean([a == t for a, t in zip(alone, targets)]):.1%}; in one batch: "
          f"{np.mean([b == t for b, t in zip(batch, targets)]):.1%}")

    att = {f: rows[s2s.NAMES[True], f].accuracy for f in s2s.FIELDS}
    ok = reached is not None and reached <= 60.0 and min(att.values()) >= 0.95 and alone == batch
    if (s2s.NAMES[False], "year") in rows:
        plain = {f: rows[s2s.NAMES[False], f].accuracy for f in s2s.FIELDS}
        ok = ok and plain["year"] - plain["day"] >= 0.3
    print(f"\nclaim (>= 95 % within 60 s; every field >= 95 % with attention; without it the year >= 30 points "
          f"above the day; one at a time = batch): {'holds' if ok else 'FAILS'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
