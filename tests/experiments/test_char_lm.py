import base64

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab import nn
from rnnlab.experiments import _packing
from rnnlab.experiments import char_lm as lm
from rnnlab.experiments.base import Cancelled, Diverged
from rnnlab.tasks.corpora import shakespeare


@pytest.fixture(scope="module")
def trained():
    """A small LSTM, 150 steps on Tiny Shakespeare: a few seconds."""
    return lm.run(lm.Params(hidden_size=64, seq_len=32, steps=150, seed=0))


def test_shakespeare_model_beats_the_unigram_baseline_and_learns(trained):
    r = trained
    print(r.val_loss)
    assert r.baselines["trigram"] == pytest.approx(2.05, abs=0.01)
    assert r.step == [0, 50, 100, 150] and len(r.train_loss) == 3
    assert r.val_loss[0] == pytest.approx(np.log(65), abs=0.1)  # an untrained model is close to uniform
    assert r.val_loss[-1] < r.baselines["unigram"] - 0.3
    assert r.val_loss[-1] < r.val_loss[1]


def test_samples_and_unit_activations_over_the_passage(trained):
    r = trained
    assert [s.step for s in r.samples] == [100, 150]
    assert len(r.samples[-1].text) == lm.SAMPLE_CHARS + 1 and set(r.samples[-1].text) <= set(r.vocab)
    assert r.passage == shakespeare()[r.train_chars: r.train_chars + lm.PASSAGE_CHARS]
    assert len(r.activations) == 64
    unit = np.frombuffer(base64.b64decode(r.activations[5]), dtype=np.int8)
    assert unit.shape == (lm.PASSAGE_CHARS,) and unit.std() > 0


def test_weights_download_as_npz_that_nn_load_reads(trained, tmp_path):
    model = _packing.unpack(trained.weights, lm.MODEL)
    path = tmp_path / "model.npz"
    path.write_bytes(_packing.to_npz(model, {"vocab": trained.vocab}))
    again = nn.load(path)
    ids = np.array([[1, 2, 3, 4]])
    assert np.allclose(again.forward(ids), model.forward(ids))
    assert nn.read_npz(path)[1]["extra"]["vocab"] == trained.vocab
    back, extra = _packing.from_npz(path.read_bytes(), lm.MODEL)
    assert extra["vocab"] == trained.vocab and np.allclose(back.forward(ids), model.forward(ids))


def test_training_continues_from_downloaded_weights_on_new_text(trained):
    text = "To be, or not to be, that is the question. " * 40
    r = lm.run(lm.Params(steps=20, text=text, init=trained.weights, vocab=trained.vocab))
    assert r.source == "your text" and r.hidden_size == 64 and r.vocab == trained.vocab
    assert r.val_loss[0] < np.log(65) - 1.0  # it starts from the trained weights, not from scratch
    with pytest.raises(ValueError, match="not in the vocabulary"):
        lm.run(lm.Params(steps=20, text="Ω" * 1000, init=trained.weights, vocab=trained.vocab))


@pytest.mark.parametrize("text, message", [
    ("short", "at least 1000"),
    ("a" * (lm.MAX_TEXT_BYTES + 1), "up to 1 MB"),
    ("a\0b" * 500, "binary"),
    ("".join(chr(0x4E00 + i) for i in range(300)) * 4, "distinct characters"),
])
def test_unusable_texts_are_refused_with_a_reason(text, message):
    with pytest.raises(ValueError, match=message):
        lm.check_text(text)
    with pytest.raises(ValidationError, match=message):
        lm.Params(text=text)


def test_progress_and_cancel():
    seen = []

    def progress(partial, fraction):
        seen.append((partial.steps_done, fraction))
        lm.chart(partial).to_dict(validate=False)
        if partial.steps_done == 5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        lm.run(lm.Params(hidden_size=16, seq_len=16, steps=100, text="abcd efgh. " * 200), progress)
    assert seen[0] == (0, 0.0) and seen[-1] == (5, pytest.approx(0.05))


def test_a_nan_loss_raises_diverged(monkeypatch):
    monkeypatch.setattr(lm.nn, "softmax_cross_entropy", lambda logits, targets: (float("nan"), np.zeros_like(logits)))
    with pytest.raises(Diverged):
        lm.run(lm.Params(hidden_size=16, steps=20, text="abcd efgh. " * 200))


@pytest.mark.parametrize("field, value", [
    ("hidden_size", 8), ("hidden_size", 512), ("seq_len", 4), ("seq_len", 1000), ("steps", 10**6),
    ("temperature", 0.0), ("temperature", 5.0), ("cell", "transformer"), ("vocab", "abc"),
])
def test_out_of_bounds_params_are_refused(field, value):
    with pytest.raises(ValidationError):
        lm.Params(**{field: value})
