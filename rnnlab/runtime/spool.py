"""The embedded queue's jobs on disk, so every server process on this machine can follow, cancel and count them.

With ``rnnlab serve --workers N`` a learner's requests land on any of N server
processes: the one that started a job may not be the one asked for its events
or its cancel. So a job's state lives in a spool directory they all share
(``Settings.job_spool``, a folder on a local disk: flock must work there), one folder per job::

    lock                     flock'd while a process counts, creates or removes jobs
    jobs/<id>/job.json       who started it and where: {"experiment", "learner_id", "class_code",
                             "started" (Unix time), "server_pid", "worker_pid"}
    jobs/<id>/owner          flock'd by the server process that trains the job, until its end is written
    jobs/<id>/latest         the latest progress: its sequence number, a newline, its JSON
    jobs/<id>/final          the end: "result", "error" or "cancelled", a newline, its JSON
    jobs/<id>/cancel         exists once someone asked the job to stop

Each file is written whole under a temporary name and renamed into place, so a
reader sees the old version or the new one, never half of one. Only the owning
process writes ``latest`` and ``final``; anyone may create ``cancel``.

Is the owner still there? Its ``owner`` lock says: the kernel releases a flock
when the process holding it dies, however it dies (``kill -9`` included),
where a pid would be reused. A job without ``final`` whose owner lock is free
has lost its server (its worker died with it, see :mod:`rnnlab.runtime.worker`):
whoever notices first writes the error ``final`` for it, under the spool's lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rnnlab.runtime.jobs import Event, NoSuchJob

SERVER_GONE = "the server process training this job stopped"
TEMP_PREFIX = "rnnlab-spool-"  # a server's own temp spool (Settings.job_spool None)
IN_USE = "in-use"  # a temp spool's file that its server holds a flock on
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what secrets.token_urlsafe makes: a job id is a folder name
NEW = ".new-"  # a job folder being made (under the spool's lock), renamed into place when whole


@dataclass(frozen=True)
class Latest:
    seq: int  # 1 for the first progress, then one more for each
    data: dict


def write_whole(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once: written beside it, then renamed over it."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def held_elsewhere(path: Path) -> bool:
    """Whether another open file holds a flock on ``path`` (this process's own other opens count)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if we got it
    return False


def make_temp_spool() -> tuple[Path, int]:
    """A fresh temp folder for one server's own spool, and the fd of the flock that marks it in use.

    The folder goes when its server does (see ``remove_temp_spool``). One whose
    server was killed (``kill -9``) has lost its flock: it goes here, when the
    next server on this machine makes its own.
    """
    temp = Path(tempfile.gettempdir())
    for old in temp.glob(f"{TEMP_PREFIX}*"):
        try:
            ours = old.is_dir() and old.stat().st_uid == os.getuid()
        except FileNotFoundError:  # another server removed it just now
            continue
        if ours and not held_elsewhere(old / IN_USE):
            shutil.rmtree(old, ignore_errors=True)
    new = Path(tempfile.mkdtemp(prefix=f".{TEMP_PREFIX}"))  # hidden from the sweep above until it is marked
    fd = os.open(new / IN_USE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    root = temp / new.name[1:]
    new.rename(root)
    return root, fd


def remove_temp_spool(root: Path, in_use: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    os.close(in_use)


class JobFiles:
    """One job's folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.id = folder.name

    def path(self, name: str) -> Path:
        return self.folder / name

    def info(self) -> dict:
        try:
            return json.loads(self.path("job.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NoSuchJob(self.id) from None

    def set_worker_pid(self, pid: int) -> None:
        write_whole(self.path("job.json"), json.dumps({**self.info(), "worker_pid": pid}))

    def write_latest(self, seq: int, data: dict) -> None:
        write_whole(self.path("latest"), f"{seq}\n{json.dumps(data, separators=(',', ':'))}")

    def latest_version(self) -> tuple[int, int] | None:
        """Changes whenever ``latest`` is replaced (a stat: cheap enough to poll); None before any progress."""
        try:
            found = os.stat(self.path("latest"))
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_mtime_ns

    def latest(self) -> Latest | None:
        try:
            seq, data = self.path("latest").read_text(encoding="utf-8").split("\n", 1)
        except FileNotFoundError:
            return None
        return Latest(int(seq), json.loads(data))

    def write_final(self, event: Event) -> None:
        write_whole(self.path("final"), f"{event.kind}\n{json.dumps(event.data, separators=(',', ':'))}")

    def has_final(self) -> bool:
        return self.path("final").exists()

    def final_kind(self) -> str | None:
        """The end's kind without reading its (maybe large) result."""
        try:
            with open(self.path("final"), encoding="utf-8") as file:
                return file.readline().strip()
        except FileNotFoundError:
            return None

    def final(self) -> Event | None:
        try:
            kind, data = self.path("final").read_text(encoding="utf-8").split("\n", 1)
        except FileNotFoundError:
            return None
        return Event(kind, json.loads(data))

    def finished_at(self) -> float | None:
        """When ``final`` was written (Unix time), None while running."""
        try:
            return os.stat(self.path("final")).st_mtime
        except FileNotFoundError:
            return None

    def ask_cancel(self) -> None:
        self.path("cancel").touch()

    def cancel_asked(self) -> bool:
        return self.path("cancel").exists()

    def owner_alive(self) -> bool:
        return held_elsewhere(self.path("owner"))

    def exists(self) -> bool:
        return self.folder.is_dir()


class Spool:
    """The spool directory: its jobs, and the lock under which they are counted, made and removed."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.jobs_dir = self.root / "jobs"
        self.make()

    def make(self) -> None:
        """Make the spool's folders if missing (job data is the learners': this user only)."""
        self.jobs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def job(self, job_id: str) -> JobFiles:
        """The job's folder; ``NoSuchJob`` if there is none (or ``job_id`` could not name one)."""
        if not JOB_ID.fullmatch(job_id) or not (self.jobs_dir / job_id).is_dir():
            raise NoSuchJob(job_id)
        return JobFiles(self.jobs_dir / job_id)

    def job_ids(self) -> list[str]:
        if not self.jobs_dir.is_dir():
            return []
        return sorted(p.name for p in self.jobs_dir.iterdir() if not p.name.startswith("."))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the spool's lock: one process at a time counts, makes or removes jobs."""
        self.make()  # again: a server's own temp spool is emptied at its shutdown, and a server may start again
        with open(self.root / "lock", "a") as file:
            fcntl.flock(file, fcntl.LOCK_EX)
            yield  # closing the file releases the lock

    def create(self, job_id: str, info: dict) -> tuple[JobFiles, int]:
        """Make the job's folder, whole, with its owner lock taken: ``(files, fd of the lock)``.

        Call it under ``locked()``. The caller keeps the fd open while it trains the
        job and closes it once the job's ``final`` is written.
        """
        new = self.jobs_dir / f"{NEW}{job_id}"
        new.mkdir(mode=0o700)
        fd = os.open(new / "owner", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # the lock stays with the file as its folder is renamed
        (new / "job.json").write_text(json.dumps(info), encoding="utf-8")
        new.rename(self.jobs_dir / job_id)
        return JobFiles(self.jobs_dir / job_id), fd

    def end_if_orphaned(self, files: JobFiles) -> Event | None:
        """The job's end; written now (an error) if its server process is gone. None while it runs."""
        final = files.final()
        if final is not None or files.owner_alive():
            return final
        with self.locked():
            return self._end_if_orphaned(files)

    def _end_if_orphaned(self, files: JobFiles) -> Event | None:
        """Under the lock: the owner cannot be halfway through writing ``final`` (it writes before it lets go)."""
        if not files.exists():
            return Event("error", {"message": SERVER_GONE})
        final = files.final()
        if final is None and not files.owner_alive():
            final = Event("error", {"message": SERVER_GONE})
            files.write_final(final)
        return final

    def running(self, keep_s: float) -> list[dict]:
        """Under the lock: the ``job.json`` of every job still training on this machine.

        Along the way, jobs whose server is gone get their error ``final``, and
        jobs that ended more than ``keep_s`` ago are removed with their files.
        """
        found, now = [], time.time()
        for folder in self.jobs_dir.iterdir():
            if folder.name.startswith(NEW):  # left by a process that died while making it
                shutil.rmtree(folder, ignore_errors=True)
                continue
            files = JobFiles(folder)
            if not files.has_final() and files.owner_alive():
                found.append(files.info())  # every whole folder has it (a half-made one's name starts with NEW)
            elif not files.has_final():  # checked again: its owner writes final, then lets go
                self._end_if_orphaned(files)
            elif now - (files.finished_at() or now) > keep_s:
                shutil.rmtree(folder, ignore_errors=True)
        return found
