"""An app on a temp SQLite file, with the test-only experiments in ``fake_experiments``."""

import sqlite3
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))  # so job worker processes can import fake_experiments too

import fake_experiments  # noqa: E402

from rnnlab.web.app import create_app  # noqa: E402
from rnnlab.web.settings import Settings, sqlite_url  # noqa: E402


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "progress.db"


@pytest.fixture
def settings(db_path) -> Settings:
    return Settings(
        db_url=sqlite_url(db_path),
        experiments=fake_experiments.ALL,
        job_grace_s=1.0,
        progress_interval_s=0.05,
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def lab(tmp_path):
    """A client of the app with the real registry (the lab's experiments), on a temp SQLite file."""
    app = create_app(Settings(db_url=sqlite_url(tmp_path / "p.db"), job_grace_s=1.0, progress_interval_s=0.05))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def rows(db_path):
    """Row counts of the progress tables, read straight from the file."""
    def count() -> dict[str, int]:
        with sqlite3.connect(db_path) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("learners", "steps", "answers")}
    return count
