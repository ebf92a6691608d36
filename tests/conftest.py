"""Storage backends for any test: ``db_url`` runs a test on a SQLite file and on a real PostgreSQL database.

``postgres_server`` (once per session) runs Debian's PostgreSQL on loopback in a
temp folder: ``initdb`` and ``pg_ctl`` as the ``postgres`` user when the tests run as
root, since PostgreSQL refuses root. Each test gets a fresh database on it.
``make test`` installs the ``postgresql`` package; without it these tests fail, saying so.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

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
