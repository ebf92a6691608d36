"""Many learners writing at once: ``python hammer.py URL PREFIX THREADS ROUNDS`` in several processes.

Each thread is one learner (``PREFIX-tN``) who, ROUNDS times, visits a step and
records an answer to check ``cK`` whose value is K. It prints one JSON line,
``{"writes": n, "errors": ["...", ...]}``, and exits 0 even when writes failed:
the test that started it reads the errors and the database.
"""

import json
import sys
import threading

from rnnlab.store import ProgressStore


def learn(store: ProgressStore, learner: str, rounds: int, errors: list[str]) -> None:
    for k in range(rounds):
        for write in (lambda: store.visit(learner, 1 + k % 8), lambda: store.record_answer(learner, f"c{k}", {"value": k}, True)):
            try:
                write()
            except Exception as exc:  # noqa: BLE001 - every lost write is counted, whatever it was
                errors.append(f"{learner} round {k}: {type(exc).__name__}: {exc}".splitlines()[0])


def main(url: str, prefix: str, threads: int, rounds: int) -> None:
    store = ProgressStore(url)
    errors: list[str] = []
    learners = [threading.Thread(target=learn, args=(store, f"{prefix}-t{n}", rounds, errors)) for n in range(threads)]
    for thread in learners:
        thread.start()
    for thread in learners:
        thread.join()
    store.close()
    print(json.dumps({"writes": 2 * threads * rounds, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
