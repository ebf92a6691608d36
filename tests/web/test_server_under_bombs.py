"""The real server, in its own process, under the zip bomb and the metadata bombs:
its memory stays put and another learner's request is answered meanwhile."""

import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from rnnlab.tasks import dates

SERVE = """
import sys, uvicorn
from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url
app = create_app(Settings(db_url=sqlite_url(sys.argv[1])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
MOST_GROWTH_MB = 300  # peak resident memory over the idle server's; the zip bomb alone was 3 GB
SLOWEST_OTHER_S = 2.0  # another learner's GET while the bombs land (it waited 12 s when the upload ran on the loop)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(tmp_path / "p.db"), str(port)])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/progress", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.2)
    yield url, proc.pid
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _bombs(model_files) -> list[tuple[str, dict]]:
    """(path, httpx request arguments) of every bomb."""
    npz = {"content-type": "application/octet-stream"}
    bombs = [("/api/lab/char-lm/models", {"content": model_files.zip_bomb(3 << 30), "headers": npz})]
    for change in ({"hidden_size": 8000}, {"vocab_size": 10**7}, {"num_layers": 20000}):
        bombs.append(("/api/lab/char-lm/models", {"content": model_files.meta_only_npz(**change), "headers": npz}))
        weights = {"cls": "CharLM", "args": {"vocab_size": 12, "hidden_size": 16, "cell": "gru"} | change, "arrays": {}}
        bombs.append(("/api/lab/char-lm/sample", {"json": {"weights": weights, "vocab": model_files.vocab}}))
        bombs.append(("/api/lab/char-lm/npz", {"json": {"weights": weights, "vocab": model_files.vocab}}))
        seq = {"src_vocab": len(dates.SRC_VOCAB), "tgt_vocab": len(dates.TGT_VOCAB), "hidden_size": 16} | change
        bombs.append(("/api/lab/seq2seq/decode",
                      {"json": {"text": "1 May 2000", "weights": {"m": {"cls": "Seq2Seq", "args": seq, "arrays": {}}}}}))
    return bombs


def test_bombs_leave_memory_flat_and_other_learners_answered(server, model_files):
    url, pid = server
    bombs = _bombs(model_files)
    idle = _memory_mb(pid)["VmRSS"]
    statuses, waits = [], []

    def send():
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(3):
                statuses.extend(client.post(path, **kwargs).status_code for path, kwargs in bombs)

    sender = threading.Thread(target=send)
    sender.start()
    with httpx.Client(base_url=url, timeout=30) as other:
        while sender.is_alive():
            start = time.perf_counter()
            assert other.get("/api/experiments").status_code == 200
            waits.append(time.perf_counter() - start)
            time.sleep(0.05)
    sender.join()
    memory = _memory_mb(pid)
    print(f"idle {idle:.0f} MB, peak {memory['VmHWM']:.0f} MB; {len(waits)} other GETs, slowest {max(waits):.2f} s")
    assert statuses and all(400 <= s < 500 for s in statuses), statuses
    assert statuses[0] == 413  # the zip bomb
    assert memory["VmHWM"] - idle < MOST_GROWTH_MB
    assert len(waits) >= 3 and max(waits) < SLOWEST_OTHER_S
