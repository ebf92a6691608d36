import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab import nn
from rnnlab.experiments import _packing
from rnnlab.experiments import seq2seq as s2s
from rnnlab.experiments import seq2seq_decode as dec
from rnnlab.experiments.base import Cancelled, Diverged
from rnnlab.tasks import dates


@pytest.fixture(scope="module")
def trained():
    """Both models, 150 steps each at H = 32: seconds on this machine."""
    return s2s.run(s2s.Params(models="both", hidden_size=32, steps=150, learning_rate=0.01, seed=0))


def test_attention_model_rewrites_held_out_dates_and_the_bottleneck_model_lags(trained):
    final = {c.model: c.accuracy[-1] for c in trained.curves}
    assert final["with attention"] >= 0.95
    assert final["without attention"] <= final["with attention"] - 0.5


def test_without_attention_the_year_read_last_survives_and_the_day_read_first_is_lost(trained):
    rows = {(row.model, row.field): row for row in trained.by_field}
    assert set(rows) == {(m, f) for m in ("with attention", "without attention") for f in ("day", "month", "year")}
    assert all(rows["with attention", f].accuracy >= 0.95 for f in ("day", "month", "year"))
    plain = {f: rows["without attention", f] for f in ("day", "month", "year")}
    assert plain["year"].accuracy >= plain["day"].accuracy + 0.4
    assert plain["year"].after == 0 and plain["year"].read_first is None
    assert plain["day"].after > plain["month"].after > 0 and plain["day"].read_first is not None


def test_decoding_held_out_dates_one_at_a_time_matches_the_batch_evaluation(trained):
    sources, targets = dates.sample_pairs(np.random.default_rng(s2s.EVAL_SEED), 120, "test")
    model = _packing.unpack(trained.weights["with attention"], s2s.MODEL)
    batch = s2s._exact(model, sources, targets)[1]
    alone = []
    for text in sources:
        result = dec.decode(dec.DecodeRequest(text=text, weights={"with attention": trained.weights["with attention"]}))
        alone.append(result.decodings[0].output)
    assert alone == batch
    assert np.mean([a == t for a, t in zip(alone, targets)]) >= 0.95


def test_accuracy_curves_are_checked_every_25_steps_and_rise(trained):
    attention = next(c for c in trained.curves if c.model == "with attention")
    assert attention.step == [25, 50, 75, 100, 125, 150]
    assert attention.accuracy[-1] > attention.accuracy[0]
    assert attention.loss[-1] < attention.loss[0]


def test_decoding_a_typed_date_with_the_trained_weights(trained):
    request = dec.DecodeRequest(text="Sunday, 14 March 2021", weights=trained.weights)
    result = dec.decode(request)
    assert result.source == list("Sunday, 14 March 2021")
    att = next(d for d in result.decodings if d.model == "with attention")
    assert att.output == "2021-03-14" and att.steps[-1] == "end" and len(att.steps) == 11
    weights = np.array(att.attention)  # (T', S)
    assert weights.shape == (11, 21) and np.allclose(weights.sum(axis=1), 1, atol=1e-3)
    assert all(0 < p <= 1 for p in att.probability) and len(att.runner_up) == 11
    plain = next(d for d in result.decodings if d.model == "without attention")
    assert plain.attention is None
    for spec in (dec.decode_chart(result).to_dict(), s2s.chart(trained).to_dict()):
        assert spec["datasets"]


def test_decode_refuses_weights_that_are_not_a_date_model(trained):
    other = _packing.pack(nn.Seq2Seq(5, 5, 8))
    with pytest.raises(ValueError, match="source vocabulary size is 5; the lab takes"):
        dec.decode(dec.DecodeRequest(text="1 May 2000", weights={"x": other}))
    with pytest.raises(ValidationError):
        dec.DecodeRequest(text="x" * 41, weights=trained.weights)


def test_progress_reports_partial_results_and_cancel_stops_the_run():
    seen = []

    def progress(partial, fraction):
        seen.append((partial.steps_done, fraction, partial.weights))
        s2s.chart(partial).to_dict(validate=False)
        if partial.steps_done == 30:
            raise Cancelled()

    with pytest.raises(Cancelled):
        s2s.run(s2s.Params(models="attention", hidden_size=16, steps=100, learning_rate=0.01), progress)
    assert [s for s, _, _ in seen] == list(range(1, 31)) and seen[-1][1] == pytest.approx(0.3)
    assert all(w is None for _, _, w in seen)


def test_a_nan_loss_raises_diverged(monkeypatch):
    monkeypatch.setattr(s2s.nn, "softmax_cross_entropy", lambda logits, targets: (float("nan"), np.zeros_like(logits)))
    with pytest.raises(Diverged, match="learning rate"):
        s2s.run(s2s.Params(models="attention", hidden_size=16, steps=50))


@pytest.mark.parametrize("field, value", [
    ("hidden_size", 8), ("hidden_size", 200), ("steps", 10), ("steps", 10**6), ("learning_rate", 1.0),
    ("models", "transformer"), ("seed", -1), ("unknown", 1),
])
def test_out_of_bounds_params_are_refused(field, value):
    with pytest.raises(ValidationError):
        s2s.Params(**{field: value})
