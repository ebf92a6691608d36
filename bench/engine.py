"""Engine benchmark: rnnlab vs torch, forward + backward, float32, one BLAS thread on both sides.

    python bench/engine.py            # every cell and size, ~1-2 minutes
    python bench/engine.py --quick    # fewer repeats
    python bench/engine.py --unset-coretype   # the same, run again without OPENBLAS_CORETYPE

For each cell (RNN tanh, LSTM, GRU) and size (B, T, I, H) both engines get the same
weights, the same x and the same fixed random dout; one timed call is forward then
backward (torch: nn.RNN/LSTM/GRU(batch_first=True), out.backward(dout), x requiring a
gradient so that both compute dx). The two engines alternate, after a warm-up, and
the table reports the median CPU time of each; ratio = rnnlab / torch (below 1: rnnlab
faster). CPU time, not wall time, because the machines this runs on are shared: with one
thread each it equals the wall time on an idle machine.

What to expect: torch runs nn.LSTM (not RNN or GRU) on CPU through oneDNN's fused LSTM
kernel (AVX-512 where the CPU has it), about 5-8 us per step forward + backward at B = 1;
rnnlab pays ~0.25 us per NumPy call and ~1 us per small matrix product, and an LSTM step
takes 10 calls and a product forward, 8 and a product backward, so the B = 1 LSTM stays
slower than torch. At larger sizes both are bound by matrix products: the result then
depends on which kernels OpenBLAS uses (the table's header names them;
OPENBLAS_CORETYPE in the environment overrides OpenBLAS's own choice, and
--unset-coretype runs the benchmark again in a copy of the environment without it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "--unset-coretype" in sys.argv and "OPENBLAS_CORETYPE" in os.environ:  # before numpy loads OpenBLAS
    os.execve(sys.executable, [sys.executable, *sys.argv],
              {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"})

import numpy as np  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from rnnlab import nn  # noqa: E402

SIZES = [(1, 100, 32, 64), (32, 64, 64, 128), (64, 128, 128, 256), (32, 500, 8, 128)]
CELLS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM), "GRU": (nn.GRU, torch.nn.GRU)}


def make_pair(cell: str, B: int, T: int, I: int, H: int, seed: int = 0):
    """Two closures running forward + backward once: (rnnlab, torch), on the same weights."""
    ours_cls, torch_cls = CELLS[cell]
    ours = ours_cls(I, H, seed=seed)
    theirs = torch_cls(I, H, batch_first=True)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, I)).astype(np.float32)
    dout = rng.standard_normal((B, T, H)).astype(np.float32)
    x_t, dout_t = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def run_ours():
        ours.forward(x)
        ours.backward(dout)

    def run_torch():
        out, _ = theirs(x_t)
        out.backward(dout_t)

    return run_ours, run_torch


def time_once(fn) -> float:
    """CPU seconds of one call: with one thread each this is the wall time the call would
    take on an idle machine, and it does not count the time other processes hold the CPU."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def measure(run_ours, run_torch, repeats: int, budget_s: float) -> tuple[float, float]:
    """Median seconds of each, alternating, after one warm-up each; at least ``repeats``
    rounds, more while the budget lasts (up to 4x)."""
    run_ours(), run_torch()
    ours, theirs = [], []
    start = time.perf_counter()
    while len(ours) < repeats or (time.perf_counter() - start < budget_s and len(ours) < 4 * repeats):
        first, second = (run_ours, run_torch) if len(ours) % 2 == 0 else (run_torch, run_ours)
        a, b = time_once(first), time_once(second)
        ours.append(a if first is run_ours else b)
        theirs.append(b if first is run_ours else a)
    return statistics.median(ours), statistics.median(theirs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (noisier)")
    parser.add_argument("--cells", default="RNN,LSTM,GRU", help="comma-separated subset")
    parser.add_argument("--unset-coretype", action="store_true",
                        help="run without OPENBLAS_CORETYPE, so OpenBLAS picks its kernels for this CPU")
    args = parser.parse_args(argv)
    repeats, budget = (3, 0.5) if args.quick else (7, 3.0)
    torch.set_num_threads(1)
    rows, ratios = [], []
    with threadpool_limits(limits=1):
        for cell in args.cells.split(","):
            for B, T, I, H in SIZES:
                ours_s, torch_s = measure(*make_pair(cell, B, T, I, H), repeats, budget)
                ratios.append(ours_s / torch_s)
                rows.append(f"| {cell} | {B} | {T} | {I} | {H} | {1e3 * ours_s:.2f} | "
                            f"{1e3 * torch_s:.2f} | {ours_s / torch_s:.2f} |")
                print(rows[-1], file=sys.stderr, flush=True)
    blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture')} kernels)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    print(f"OPENBLAS_CORETYPE={coretype if coretype is not None else '(unset)'}; "
          f"numpy {np.__version__} with {', '.join(blas)}; torch {torch.__version__} "
          f"(oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}); float32, one thread "
          f"each, forward + backward, median CPU time of >= {repeats} interleaved runs\n")
    print("| cell | B | T | I | H | rnnlab ms | torch ms | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    geomean = float(np.exp(np.mean(np.log(ratios))))
    print(f"\ngeometric mean of the ratios: {geomean:.2f}; worst: {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
