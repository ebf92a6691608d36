"""The real long-range-memory job, end to end through the API (small settings, a few seconds)."""

import pytest
from fastapi.testclient import TestClient

from sse_client import events, start

from rnnlab.web.app import create_app
from rnnlab.web.settings import Settings, sqlite_url


@pytest.fixture
def real_client(db_path):
    app = create_app(Settings(db_url=sqlite_url(db_path), progress_interval_s=0.1))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def test_long_range_memory_streams_both_loss_curves_then_the_held_out_result(real_client):
    job_id = start(real_client, "long-range-memory", seq_len=10, hidden_size=8, train_steps=300)
    stream = events(real_client, job_id)
    kinds = [kind for kind, _ in stream]
    assert kinds[-1] == "result", stream[-1]
    assert kinds.count("progress") >= 1
    progress = [data for kind, data in stream if kind == "progress"]
    assert progress[0]["result"]["done"] is False and progress[0]["spec"]
    final = stream[-1][1]["result"]
    assert final["done"] is True and final["rnn_eval"] is not None and final["lstm_eval"] is not None
    assert len(final["rnn_loss"]) == len(final["lstm_loss"]) == len(final["step"]) >= 2
