import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab.experiments import long_range_memory as lrm
from rnnlab.experiments.base import Cancelled, Diverged


@pytest.fixture(scope="module")
def quick_race():
    reports = []
    r = lrm.run(lrm.Params(seq_len=30, train_steps=1200, seed=0),
                lambda partial, fraction: reports.append((partial, fraction)))
    return r, reports


def test_lstm_solves_a_short_adding_problem_while_the_tanh_rnn_stays_at_the_baseline(quick_race):
    r, _ = quick_race
    print(f"T=30: baseline {r.baseline}, LSTM {r.lstm_eval}, tanh RNN {r.rnn_eval}")
    assert r.lstm_eval < 0.01
    assert abs(r.rnn_eval - r.baseline) <= 0.10 * r.baseline


def test_baseline_is_the_generators_predict_one_mse(quick_race):
    r, _ = quick_race
    assert r.baseline == pytest.approx(1 / 6, rel=0.05)


def test_progress_reports_both_curves_as_they_grow(quick_race):
    r, reports = quick_race
    every = lrm.report_every(30)
    assert len(reports) == 1200 // every - (1200 % every == 0)
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and 0 < fractions[0] and fractions[-1] < 1
    lengths = [len(p.lstm_loss) for p, _ in reports]
    assert lengths == list(range(1, len(reports) + 1))
    assert all(len(p.rnn_loss) == len(p.lstm_loss) == len(p.step) and not p.done for p, _ in reports)
    assert r.done and r.step[-1] == 1200


def test_reports_come_more_often_in_steps_for_short_sequences():
    assert lrm.report_every(10) > lrm.report_every(100) >= lrm.report_every(200) >= 5


def test_cancelling_from_the_progress_callback_stops_the_run():
    calls = []

    def progress(partial, fraction):
        calls.append(fraction)
        raise Cancelled()

    with pytest.raises(Cancelled):
        lrm.run(lrm.Params(seq_len=20, train_steps=4000), progress)
    assert len(calls) == 1


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_infinite_loss_raises_diverged(monkeypatch):
    def overflowing_batch(rng, batch, T, dtype=np.float32):  # finite targets whose square overflows
        return np.zeros((batch, T, 2), dtype), np.full((batch, 1), 3e38, dtype)

    monkeypatch.setattr(lrm, "adding_batch", overflowing_batch)
    with pytest.raises(Diverged, match="loss became inf"):
        lrm.run(lrm.Params(seq_len=10, train_steps=100))


@pytest.mark.parametrize("bad", [{"seq_len": 9}, {"seq_len": 201}, {"train_steps": 5000},
                                 {"hidden_size": 65}, {"seed": 1001}, {"lr": 1}])
def test_out_of_range_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        lrm.Params(**bad)


def test_result_is_json_and_chart_shows_both_curves_against_the_baseline(quick_race):
    r, reports = quick_race
    for result in (r, reports[0][0]):
        json.loads(result.model_dump_json())
        spec = lrm.chart(result).to_dict()
        assert "T = 30" in " ".join(spec["title"]["text"])
        curve = spec["layer"][0]["encoding"]
        assert curve["x"]["title"] and curve["y"]["title"] and curve["y"]["scale"]["type"] == "log"
        assert curve["color"]["legend"]["orient"] == "bottom"
        assert {c["model"] for c in spec["datasets"]["curves"]} == {"tanh RNN", "LSTM"}
        assert spec["datasets"]["baseline"][0]["mse"] == r.baseline
