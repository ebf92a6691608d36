"""Writers to one SQLite file take turns through ``<database>.lock`` (``rnnlab.store.tables.WriterTurns``):
a write waits while another process holds the turn, and goes as soon as it is given back."""

import subprocess
import sys
import threading
import time

import pytest

from rnnlab.store import ProgressStore
from rnnlab.store.tables import WriterTurns, writer_turns

HOLD = """
import sys, time
from pathlib import Path
from rnnlab.store.tables import WriterTurns
turns = WriterTurns(Path(sys.argv[1]))
with turns:
    print("holding", flush=True)
    sys.stdin.readline()  # until the test says so
    print(f"released {time.time():.6f}", flush=True)
"""


def holder(lock_file) -> subprocess.Popen:
    """Another process that holds the turn until a line arrives on its stdin."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(lock_file)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


@pytest.mark.skipif(sys.platform == "win32", reason="flock: processes take turns on POSIX only")
@pytest.mark.timeout(60)
def test_a_write_waits_for_another_process_holding_the_turn_and_goes_when_it_is_given_back(tmp_path):
    db = tmp_path / "progress.db"
    store = ProgressStore(f"sqlite:///{db}")
    assert (tmp_path / "progress.db.lock").exists()
    other = holder(tmp_path / "progress.db.lock")
    wrote = []
    writer = threading.Thread(target=lambda: (store.visit("ada", 3), wrote.append(time.time())))
    writer.start()
    writer.join(1.0)
    assert wrote == [] and store.progress("ada").visited == set()  # still waiting for its turn
    other.stdin.write("go\n")
    other.stdin.flush()
    released = float(other.stdout.readline().split()[1])
    writer.join(20)
    assert other.wait(10) == 0
    assert len(wrote) == 1 and wrote[0] >= released
    assert store.progress("ada").visited == {3}
    store.close()


def test_threads_take_turns_one_at_a_time():
    turns, inside, most = WriterTurns(None), [0], [0]

    def write():
        for _ in range(50):
            with turns:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_only_sqlite_files_get_a_lock_file(tmp_path):
    assert writer_turns(f"sqlite:///{tmp_path / 'p.db'}")._fd is not None
    assert writer_turns("sqlite://")._fd is None
    assert writer_turns("postgresql+psycopg://u@127.0.0.1:1/x")._fd is None
