"""How fast learners' writes land when many write at once, and whether any is lost.

    python bench/concurrent_writes.py                       # a temp SQLite file, 3 processes x 12 threads x 25 rounds
    python bench/concurrent_writes.py --db postgresql+psycopg://user@127.0.0.1:5432/rnnlab_bench
    python bench/concurrent_writes.py --processes 2 --threads 25 --rounds 10

Each thread is one learner who, ``--rounds`` times, visits a step and records an
answer through the real ``ProgressStore`` (``tests/store/hammer.py``), every
process on the same database. It prints the writes attempted, the writes that
failed (e.g. "database is locked"), the wall time and writes per second. Use an
empty database: the learner ids repeat between runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HAMMER = Path(__file__).resolve().parents[1] / "tests" / "store" / "hammer.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a new temp SQLite file)")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    if args.db:
        run(args.db, args)
    else:
        with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as folder:
            run(f"sqlite:///{folder}/progress.db", args)


def run(url: str, args: argparse.Namespace) -> None:
    from rnnlab.store import ProgressStore

    ProgressStore(url).close()  # the schema first, as under a running server
    start = time.perf_counter()
    hammers = [
        subprocess.Popen([sys.executable, str(HAMMER), url, f"b{p}", str(args.threads), str(args.rounds)],
                         stdout=subprocess.PIPE, text=True)
        for p in range(args.processes)
    ]
    reports = [json.loads(hammer.communicate()[0]) for hammer in hammers]
    seconds = time.perf_counter() - start
    writes = sum(r["writes"] for r in reports)
    errors = [e for r in reports for e in r["errors"]]
    backend = url.split(":", 1)[0]
    print(f"{'backend':<20} {'processes x threads':>19} {'writes':>7} {'failed':>7} {'seconds':>8} {'writes/s':>9}")
    shape = f"{args.processes} x {args.threads}"
    print(f"{backend:<20} {shape:>19} {writes:>7} {len(errors):>7} {seconds:>8.1f} {writes / seconds:>9.0f}")
    for error in errors[:5]:
        print("  e.g.", error)


if __name__ == "__main__":
    main()
