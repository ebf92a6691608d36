"""A real ``rnnlab serve`` in its own process (free port, temp ``--db``, no browser), and its child processes."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def wait_for_url(process: subprocess.Popen, timeout_s: float = 20.0) -> str:
    """The URL that `rnnlab serve` prints once it is listening."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if "http://" in line:
                return line[line.index("http://"):].split()[0]
        assert process.poll() is None, "the server exited before listening"
    raise AssertionError("the server did not start in time")


@contextmanager
def serving(db: str | Path, workers: int = 1) -> Iterator[tuple[subprocess.Popen, str]]:
    """``(process, url)`` of a server on ``db`` with ``workers`` server processes; killed at the end if it is
    still running."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "rnnlab.cli", "serve", "--no-browser", "--port", "0", "--db", str(db),
               "--workers", str(workers)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        yield server, wait_for_url(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        server.stdout.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read from /proc (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and stat_fields(int(entry.name)) is not None:
            if stat_fields(int(entry.name))[1] == str(pid):
                found.append(int(entry.name))
    return found


def stat_fields(pid: int) -> list[str] | None:
    """``[state, ppid, ...]`` from /proc/<pid>/stat; None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()  # the name in parentheses may hold spaces


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (exited, not yet reaped by whoever adopted it) counts as dead."""
    fields = stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""
