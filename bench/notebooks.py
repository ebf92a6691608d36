"""Execute every step's notebook (lesson/notebook.py) in a fresh kernel; print the wall time of
each step and of its slowest cells, beside the machine's load average (timings on a shared
machine are noisy: compare rows of one run, not runs), and the CPU seconds the kernel used
(a cell appended here reads them): on an idle machine, with one BLAS thread, the wall time
of a step is close to its CPU time plus the kernel's start.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/notebooks.py [STEP ...]
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

from rnnlab.lesson import load_lesson
from rnnlab.lesson.notebook import build_notebook


CPU_CELL = "import resource\nu = resource.getrusage(resource.RUSAGE_SELF)\nprint(u.ru_utime + u.ru_stime)"


def cell_seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def main(steps: list[int]) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    lesson = load_lesson()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'step':>4} {'wall s':>7} {'kernel CPU s':>12} {'outside cells s':>15}  slowest cells (s)")
    grand = cpu_total = 0.0
    for number in steps:
        notebook = build_notebook(lesson, number)
        notebook.cells.append(new_code_cell(CPU_CELL))
        t0 = time.perf_counter()
        NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
        total = time.perf_counter() - t0
        cpu = float(notebook.cells[-1].outputs[0]["text"])
        grand, cpu_total = grand + total, cpu_total + cpu
        cells = [(cell_seconds(c), c.source.splitlines()[-2] if c.source.count("\n") else c.source)
                 for c in notebook.cells[:-1] if c.cell_type == "code"]
        slow = sorted(cells, reverse=True)[:3]
        other = total - sum(s for s, _ in cells)
        print(f"{number:>4} {total:7.1f} {cpu:12.1f} {other:15.1f}  "
              + "; ".join(f"{s:.1f} {src[:50]}" for s, src in slow), flush=True)
    print(f"all  {grand:7.1f} {cpu_total:12.1f}    load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(range(1, 9)))
