import shutil

import pytest

from rnnlab.lesson import load_lesson
from rnnlab.lesson.loader import LESSON_DIR


@pytest.fixture(scope="session")
def lesson():
    return load_lesson()


@pytest.fixture
def lesson_copy(tmp_path):
    """A writable copy of the lesson's sources, to break on purpose."""
    root = tmp_path / "lesson"
    shutil.copytree(LESSON_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


@pytest.fixture(scope="session")
def measurements(lesson):
    """Every predict check's measurement from the live engine (each experiment run once)."""
    from rnnlab.runtime import predict

    return {c.id: predict.measure(c) for c in lesson.checks.values() if c.kind == "predict"}
