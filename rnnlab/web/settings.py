"""``Settings``: everything the web app can be told, typed, with a description each.

``rnnlab serve`` builds one from its options; tests build one on a temp database.
Per-route body limits use FastAPI's own ``max_body_size=`` on the route: the
default for every route is ``body_limit`` below; a route that takes more (the
lab's text upload, in ``rnnlab/web/api/lab.py``) declares its own.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Mapping

import platformdirs
from pydantic import BaseModel, ConfigDict, Field


def default_db_path() -> Path:
    """Where progress lives unless ``--db`` says otherwise: the user's data folder for rnnlab."""
    return platformdirs.user_data_path("rnnlab") / "progress.db"


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


class Settings(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    db_url: str = Field(
        default_factory=lambda: sqlite_url(default_db_path()),
        description="SQLAlchemy URL of the progress database (SQLite file by default; PostgreSQL works too)",
    )
    secret: str | None = Field(
        None, description="signs the learner cookie; None: made once and kept in the database, so cookies survive restarts"
    )
    host: str = Field("127.0.0.1", description="address `rnnlab serve` binds (the learner's own machine only)")
    port: int = Field(8000, ge=0, le=65535, description="port `rnnlab serve` binds")
    cookie_name: str = Field("rnnlab_learner", description="name of the signed learner-id cookie")
    cookie_max_age_s: int = Field(365 * 24 * 3600, gt=0, description="how long the learner cookie lasts (a year)")
    body_limit: int = Field(16 * 1024, gt=0, description="largest request body in bytes unless a route sets its own")
    max_jobs: int = Field(2, ge=1, description="training jobs that may run at once (2 cores: more would starve each other)")
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
    experiments: Mapping[str, ModuleType] | None = Field(
        None, description="experiment modules by id; None: the registry (tests pass their own)"
    )
