"""Learners writing at once from several processes and threads lose nothing (no "database is locked"),
on SQLite and on PostgreSQL (``db_url`` in conftest)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab.store import ProgressStore

HAMMER = Path(__file__).with_name("hammer.py")
PROCESSES, THREADS, ROUNDS = 2, 10, 10  # 20 learners, 400 writes


@pytest.mark.timeout(240)
def test_concurrent_visits_and_answers_from_several_processes_all_land(db_url):
    ProgressStore(db_url).close()  # the schema exists before the learners arrive, as under a running server
    hammers = [
        subprocess.Popen([sys.executable, str(HAMMER), db_url, f"p{p}", str(THREADS), str(ROUNDS)], stdout=subprocess.PIPE, text=True)
        for p in range(PROCESSES)
    ]
    reports = [json.loads(hammer.communicate(timeout=200)[0]) for hammer in hammers]
    errors = [error for report in reports for error in report["errors"]]
    assert errors == [], f"{len(errors)} of {sum(r['writes'] for r in reports)} writes failed, e.g. {errors[:3]}"
    store = ProgressStore(db_url)
    for p in range(PROCESSES):
        for t in range(THREADS):
            progress = store.progress(f"p{p}-t{t}")
            assert progress.visited == {1 + k % 8 for k in range(ROUNDS)}
            assert {check: record.answer["value"] for check, record in progress.answers.items()} == {
                f"c{k}": k for k in range(ROUNDS)
            }
    store.close()
