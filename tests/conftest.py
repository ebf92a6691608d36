"""Storage backends for any test: ``db_url`` runs a test on a SQLite file and on a real PostgreSQL database.

``postgres_server`` (once per session) runs Debian's PostgreSQL on loopback in a
temp folder: ``initdb`` and ``pg_ctl`` as the ``postgres`` user when the tests run as
root, since PostgreSQL refuses root. Each test gets a fresh database on it.
``make test`` installs the ``postgresql`` package; without it these tests fail, saying so.

``redis_server`` (once per session) runs Debian's ``redis-server`` on loopback, persisting
nothing, in a temp folder; ``redis_url`` gives each test an empty database on it.
``restartable_redis`` gives a test a redis-server of its own to stop and start again on the same
port (Redis going away under a running server), forgetting everything or, with ``keep=True``, keeping it.
``make test`` installs the ``redis-server`` package; without it these tests fail, saying so.

Also hostile model files (``model_files``), shared by tests/experiments and tests/web: small to
send, huge if believed.
"""

from __future__ import annotations

import glob
import io
import itertools
import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import types
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from rnnlab import nn
from rnnlab.experiments import _packing
from rnnlab.nn.io import FORMAT, META_KEY

BACKENDS = ["sqlite", "postgresql"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


# Stops the server and removes its folder once the test session's process is gone, even if it was
# killed and never reached the fixture's own clean-up: argv = pytest's pid, the stop command, the folder.
_WATCHDOG = """
import shutil, subprocess, sys, time
pid, stop, root = sys.argv[1], sys.argv[2:-1], sys.argv[-1]

def alive():
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False

while alive():
    time.sleep(1)
subprocess.run(stop, capture_output=True)
shutil.rmtree(root, ignore_errors=True)
"""


@pytest.fixture(scope="session")
def postgres_server():
    """The base URL (no database name) of a PostgreSQL server on 127.0.0.1, stopped at the end of the session."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `make test` installs "
                    "Debian's postgresql package, or run `apt-get install -y postgresql`")
    bindir = Path(found[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="rnnlab-postgres-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
    data, port = root / "data", _free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"  # fsync: a test server, thrown away
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"]),
                       check=True, capture_output=True, text=True)
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
                                     "-w", "-t", "60", "start"]), check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL ({' '.join(exc.cmd[-3:])}): {exc.stderr}{exc.stdout}{log}")
    stop = _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), *stop, str(root)], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(stop, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server, dropped afterwards."""
    name = f"rnnlab_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield f"{postgres_server}/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A URL to an empty database on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'progress.db'}"
    return request.getfixturevalue("postgres_url")


def _redis_binary() -> str:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("Redis is not installed (no redis-server): `make test` installs Debian's redis-server package, "
                    "or run `apt-get install -y redis-server`")
    return binary


def _wait_listening(server: subprocess.Popen, port: int, log: Path) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if server.poll() is not None:
            pytest.fail(f"could not start redis-server: {server.stderr.read().decode()}"
                        f"{log.read_text() if log.exists() else ''}")
        time.sleep(0.05)
    pytest.fail("redis-server did not listen within 5 s")


@pytest.fixture(scope="session")
def redis_server():
    """The URL of a Redis server on 127.0.0.1 (no persistence), stopped at the end of the session."""
    binary = _redis_binary()
    root, port = Path(tempfile.mkdtemp(prefix="rnnlab-redis-")), _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(root), "--databases", "64", "--logfile", str(root / "log")],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = ["kill", str(server.pid)]
    subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), *stop, str(root)], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(server, port, root / "log")
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def fresh_redis_db(redis_server):
    """``fresh_redis_db() -> URL`` of an empty database of its own on the session's server (flush it when done)."""
    numbers = itertools.cycle(range(1, 64))  # each is flushed when its user is done
    return lambda: f"{redis_server}/{next(numbers)}"


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


@pytest.fixture
def redis_url(fresh_redis_db):
    """An empty Redis database of its own on the session's server (flushed afterwards)."""
    url = fresh_redis_db()
    yield url
    flush_redis(url)


class RestartableRedis:
    """A redis-server of one test's own on a fixed free port: ``stop()`` it (SIGTERM, as a restart does) and
    ``start()`` it again, or ``freeze()`` it. With ``keep`` it keeps its data across restarts (an append-only
    file, fsync always); without, like the session's server (``--save ''``), it comes back empty."""

    def __init__(self, root: Path, keep: bool = False):
        self.root, self.keep, self.port = root, keep, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: subprocess.Popen | None = None

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.keep else ["--appendonly", "no"]
        self.server = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", *persistence,
             "--dir", str(self.root), "--logfile", str(self.root / "log"), "--pidfile", str(self.root / "pid")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_listening(self.server, self.port, self.root / "log")

    def freeze(self, frozen: bool = True) -> None:
        """Stop it answering while its connections stay open (SIGSTOP: a hung or unreachable host), or thaw it."""
        self.server.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGCONT)
            self.server.terminate()
            self.server.wait(10)
        self.server = None


@pytest.fixture
def restartable_redis(tmp_path_factory):
    """``restartable_redis(keep=False) -> RestartableRedis``, started; each is stopped when the test ends."""
    made = []

    def make(keep: bool = False) -> RestartableRedis:
        root = tmp_path_factory.mktemp("redis")
        made.append(RestartableRedis(root, keep))
        kill = ["sh", "-c", f'kill "$(cat {root / "pid"})"']  # whichever of its lives is running then
        subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), *kill, str(root)],
                         start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        made[-1].start()
        return made[-1]

    yield make
    for server in made:
        server.stop()


# -- hostile model files ---------------------------------------------------------

VOCAB = "abcdefghij \n"  # 12 characters


def char_npz(hidden_size: int = 16, cell: str = "gru", vocab: str = VOCAB) -> bytes:
    """A real CharLM saved as the lab saves it."""
    return _packing.to_npz(nn.CharLM(len(vocab), hidden_size, cell=cell, seed=1), {"vocab": vocab})


_LAB_ARGS = object()


def meta_only_npz(args=_LAB_ARGS, cls="CharLM", vocab: str = VOCAB, **changes) -> bytes:
    """An .npz of a few hundred bytes: only the metadata record, whose arguments say what ``changes`` say."""
    if args is _LAB_ARGS:
        args = {"vocab_size": len(vocab), "hidden_size": 16, "cell": "gru", "num_layers": 1,
                "embedding_dim": None, "nonlinearity": "tanh", "dtype": {"dtype": "float32"}} | changes
    buffer = io.BytesIO()
    meta = {"format": FORMAT, "class": cls, "args": args, "extra": {"vocab": vocab}}
    np.savez(buffer, **{META_KEY: np.array(json.dumps(meta))})
    return buffer.getvalue()


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip written by hand, so that a member can declare any size: (name, raw bytes, method, crc, declared size)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, raw, method, crc, size in members:
        offset = out.tell()
        fields = (20, 0, method, 0, 0, crc, len(raw), size, len(name), 0)
        out.write(struct.pack("<4s5HLLLHH", b"PK\x03\x04", *fields) + name.encode() + raw)
        central.write(struct.pack("<4s6HLLLHHHHHLL", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, offset) + name.encode())
    n, start = len(members), out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4HLLH", b"PK\x05\x06", 0, 0, n, n, len(central.getvalue()), start, 0))
    return out.getvalue()


def deflated_zeros(size: int, prefix: bytes = b"") -> bytes:
    """A raw deflate stream of ``prefix`` and zeros, ``size`` bytes in all, built from one
    compressed 16 MB block repeated (each block full-flushed, so it stands alone): fast for gigabytes."""
    chunk = 1 << 24
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(prefix + bytes(min(size, chunk) - len(prefix))) + first.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = again.compress(bytes(chunk)) + again.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest, remainder = divmod(max(size - chunk, 0), chunk)
    last = tail.compress(bytes(remainder)) + tail.flush()
    return head + block * rest + last


def zip_bomb(size: int = 3 << 30) -> bytes:
    """A valid lab metadata record and one array member that inflates to ``size`` bytes of zeros (≈ size / 1000 sent)."""
    meta = zipfile.ZipFile(io.BytesIO(meta_only_npz())).read(META_KEY + ".npy")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (size // 4 - 32,)})
    zeros = deflated_zeros(size, prefix=header.getvalue())
    return _zip([(META_KEY + ".npy", meta, 0, zlib.crc32(meta), len(meta)),
                 ("rnn.weight_ih_l0.npy", zeros, 8, 0, size)])  # CRC left wrong: computing it would inflate it


def lying_member(declared: int, actual: int) -> bytes:
    """A zip whose one member says it holds ``declared`` bytes and inflates to ``actual`` (zeros)."""
    return _zip([("x.npy", deflated_zeros(actual), 8, zlib.crc32(bytes(declared)), declared)])


def many_members(n: int = 10_000) -> bytes:
    return _zip([(f"a{i}.npy", b"", 0, 0, 0) for i in range(n)])


@pytest.fixture
def model_files():
    return types.SimpleNamespace(char_npz=char_npz, meta_only_npz=meta_only_npz, zip_bomb=zip_bomb,
                                 lying_member=lying_member, many_members=many_members, deflated_zeros=deflated_zeros,
                                 vocab=VOCAB)
