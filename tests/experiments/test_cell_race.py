import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab import nn
from rnnlab.experiments import cell_race as cr
from rnnlab.experiments.base import Cancelled, Diverged


@pytest.fixture(scope="module")
def short_race():
    calls = []
    result = cr.run(cr.Params(seq_len=40, steps=700), lambda partial, fraction: calls.append(fraction))
    return result, calls


def test_gated_cells_go_below_the_baseline_and_the_tanh_rnn_does_not(short_race):
    result, _ = short_race
    by_cell = {r.cell: r for r in result.racers}
    print({c: (r.beat_step, r.loss[-1]) for c, r in by_cell.items()})
    assert by_cell["lstm"].beat_step is not None and by_cell["gru"].beat_step is not None
    assert by_cell["rnn"].beat_step is None
    assert by_cell["lstm"].loss[-1] < 0.1 * result.baseline
    assert by_cell["gru"].loss[-1] < 0.1 * result.baseline
    assert min(by_cell["rnn"].loss) > result.threshold


def test_progress_reports_every_evaluation_in_order(short_race):
    result, calls = short_race
    assert len(calls) == 700 // cr.EVAL_EVERY
    assert calls == sorted(calls) and calls[-1] == 1.0
    assert result.steps_done == 700 and all(r.steps[-1] == 700 for r in result.racers)


@pytest.mark.parametrize("lstm_hidden", range(10, 33))
def test_parameter_counts_are_within_five_percent_of_the_lstms(lstm_hidden):
    counts = {r.cell: r.n_params for r in cr._racers(lstm_hidden)}
    for cell in ("rnn", "gru"):
        assert abs(counts[cell] / counts["lstm"] - 1) <= 0.05


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_parameter_count_formula_matches_the_model(cell):
    model = nn.SequenceClassifier(cell, cr.INPUT_SIZE, 13, 1)
    assert cr.n_params(cell, 13) == sum(p.size for p in model.params.values())


def test_labels_show_hidden_size_and_parameter_count():
    labels = [r.label for r in cr._racers(16)]
    assert labels == ["tanh RNN (H = 34, 1,327 params)", "LSTM (H = 16, 1,297 params)",
                      "GRU (H = 19, 1,331 params)"]


def test_cancelling_from_the_callback_stops_the_run():
    def cancel(partial, fraction):
        raise Cancelled("stop")
    with pytest.raises(Cancelled):
        cr.run(cr.Params(seq_len=20, steps=100), cancel)


def test_a_diverging_run_raises_diverged(monkeypatch):
    real_mse = nn.mse
    calls = {"n": 0}

    def exploding(pred, target):
        calls["n"] += 1
        loss, grad = real_mse(pred, target)
        return (float("nan"), grad) if calls["n"] > 10 else (loss, grad)

    monkeypatch.setattr(cr.nn, "mse", exploding)
    with pytest.raises(Diverged, match="loss became nan"):
        cr.run(cr.Params(seq_len=20, steps=100))


@pytest.mark.parametrize("bad", [{"seq_len": 19}, {"seq_len": 201}, {"lstm_hidden": 9}, {"lstm_hidden": 33},
                                 {"steps": 99}, {"steps": 4001}, {"learning_rate": 0.1}, {"seed": -1},
                                 {"cell": "rnn"}])
def test_out_of_range_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        cr.Params(**bad)


def test_result_is_json_and_chart_has_title_axes_legend_and_baseline(short_race):
    result, _ = short_race
    json.loads(result.model_dump_json())
    spec = cr.chart(result).to_dict()
    assert "remembers" in " ".join(spec["title"]["text"])
    lines = spec["layer"][1]
    assert lines["encoding"]["x"]["title"] and "MSE" in lines["encoding"]["y"]["title"]
    assert lines["encoding"]["color"]["legend"]["orient"] == "bottom"
    assert {row["cell"] for row in spec["datasets"]["curves"]} == {r.label for r in result.racers}
    assert spec["datasets"]["baseline"] == [{"mse": result.baseline}]
    ticks = lines["encoding"]["y"]["axis"]["values"]
    assert min(ticks) <= min(min(r.loss) for r in result.racers) and max(ticks) >= result.baseline
    assert np.isclose(result.baseline, 1 / 6, rtol=0.05)
