"""``Settings``: everything the web app can be told, typed, with a description each.

``rnnlab serve`` builds one from its options; tests build one on a temp database.
Per-route body limits use FastAPI's own ``max_body_size=`` on the route: the
default for every route is ``body_limit`` below; a route that takes more (the
lab's text upload, in ``rnnlab/web/api/lab.py``) declares its own.
``host``, ``allow_hosts`` and ``token`` are what ``rnnlab/web/security.py`` checks.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

import platformdirs
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def default_db_path() -> Path:
    """Where progress lives unless ``--db`` says otherwise: the user's data folder for rnnlab."""
    return platformdirs.user_data_path("rnnlab") / "progress.db"


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def as_db_url(db: str | Path) -> str:
    """What ``--db`` names, as a SQLAlchemy URL: a URL stays as it is (``postgresql+psycopg://…``), a path is a SQLite file."""
    return str(db) if "://" in str(db) else sqlite_url(db)


def shown_db(url: str) -> str:
    """The database as a person reads it: a SQLite file's path, or the URL without its password."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or url
    return parsed.render_as_string(hide_password=True)


def is_wildcard(host: str) -> bool:
    """Whether binding ``host`` listens on every interface (``0.0.0.0``, ``::``, or empty)."""
    return host.strip("[]") in ("", "0.0.0.0", "::")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only: ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Settings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    db_url: str = Field(
        default_factory=lambda: sqlite_url(default_db_path()),
        description="SQLAlchemy URL of the progress database: a SQLite file by default, or PostgreSQL "
        "(postgresql+psycopg://…) for a class served by several replicas, which share the cookie secret kept in it",
    )
    secret: str | None = Field(
        None, description="signs the learner cookie; None: made once and kept in the database, so cookies survive restarts"
    )
    host: str = Field(
        "127.0.0.1", description="address `rnnlab serve` binds: loopback (the default) is this machine only; "
        "any other address needs a token, and is one of the names the Host header may give"
    )
    allow_hosts: tuple[str, ...] = Field(
        (), description="names the server answers to besides localhost, loopback addresses and `host` "
        "(`--allow-host`); a request whose Host header names anything else gets a 400 (DNS rebinding)"
    )
    token: str | None = Field(
        None, min_length=1, description="access token every request must carry when set (`?token=` once, then "
        "a cookie; or `Authorization: token …`); a `host` other than loopback without one gets a random one"
    )
    port: int = Field(8000, ge=0, le=65535, description="port `rnnlab serve` binds")
    cookie_name: str = Field("rnnlab_learner", description="name of the signed learner-id cookie")
    cookie_max_age_s: int = Field(365 * 24 * 3600, gt=0, description="how long the learner cookie lasts (a year)")
    body_limit: int = Field(16 * 1024, gt=0, description="largest request body in bytes unless a route sets its own")
    max_jobs: int = Field(
        2, ge=1, description="training jobs the embedded queue runs at once on this machine, counted across its "
        "server processes (2 cores: more would starve each other)"
    )
    job_time_limit_s: float = Field(120.0, gt=0, description="a training job is stopped after this many seconds")
    job_time_limits: dict[str, float] = Field(
        default_factory=dict, description="per-experiment time limits in seconds, overriding the module's TIME_LIMIT_S"
    )
    job_grace_s: float = Field(3.0, gt=0, description="after a cancel, seconds a job gets to stop before it is killed")
    job_keep_s: float = Field(300.0, gt=0, description="seconds a finished job's result is kept for a reconnecting page")
    progress_interval_s: float = Field(0.25, gt=0, description="a job sends at most one progress event per this many seconds")
    warm_up: bool = Field(
        False, description="train the quick experiments' small models and cache their results at their defaults "
        "in the background at start-up, so a learner's first request doesn't wait for them (`rnnlab serve` turns "
        "it on; tests leave it off)"
    )
    result_cache_entries: int = Field(
        2048, ge=0, description="quick experiments' results kept per server process, by experiment and params "
        "(least recently used out first; 0: no cache)"
    )
    result_cache_bytes: int = Field(
        64 * 1024 * 1024, ge=0, description="bytes of JSON those cached results may take in all (64 MiB)"
    )
    queue_url: str | None = Field(
        None, description="redis://… URL of the Redis whose RQ queue trains the jobs (`rnnlab worker` processes on "
        "any machine); None: the embedded queue, worker processes on this machine, nothing to start"
    )
    learner_jobs: int = Field(2, ge=1, description="jobs one learner may have queued or running at once")
    class_jobs: int | None = Field(
        None, ge=1, description="jobs one class may have queued or running at once (None: no class limit)"
    )
    result_processes: int = Field(
        0, ge=0, description="helper processes each server process computes quick experiments in, so its own "
        "thread keeps serving pages meanwhile (`rnnlab serve --workers N` with N > 1 uses 1; 0: in the server process)"
    )
    result_store_rows: int = Field(
        4096, ge=0, description="quick experiments' results kept in the database's results table, shared by every "
        "server process and replica (least recently used out first; 0: no shared level)"
    )
    workers: int = Field(1, ge=1, description="server processes `rnnlab serve --workers` starts behind its one port")
    job_spool: Path | None = Field(
        None, description="the directory where the embedded queue shares job state between this machine's server "
        "processes (give every process of one `rnnlab serve --workers N` the same one); None: a fresh temp dir per app"
    )
    experiments: Mapping[str, ModuleType] | None = Field(
        None, description="experiment modules by id; None: the registry (tests pass their own)"
    )

    @field_validator("allow_hosts")
    @classmethod
    def _plain_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(name.strip().strip("[]").lower() for name in names)
        for name in cleaned:
            if not name or any(c in name for c in "/ @?#") or (":" in name and not _is_ipv6(name)):
                raise ValueError(f"'{name}' is not a host name: give a name or an address, without scheme or port")
        return cleaned

    @model_validator(mode="before")
    @classmethod
    def _token_beyond_loopback(cls, data: Any) -> Any:
        """Listening beyond this machine without a token would let anyone on the network in: make one."""
        if isinstance(data, dict) and not is_loopback(str(data.get("host", "127.0.0.1"))) and not data.get("token"):
            data = {**data, "token": secrets.token_urlsafe(24)}
        return data

    @property
    def token_required(self) -> bool:
        """Whether every request must carry the token: any bind but loopback, or a token given."""
        return self.token is not None or not is_loopback(self.host)


def _is_ipv6(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).version == 6
    except ValueError:
        return False
