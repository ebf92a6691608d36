import json

import numpy as np
import pytest
from pydantic import ValidationError

from rnnlab.experiments import bptt


def test_per_step_terms_sum_to_the_engines_gradient():
    model = bptt.TinyRNN(6, seed=1)
    x, y = bptt.task_batch(np.random.default_rng(0), 4, 9, 2)
    model.loss_and_backward(x, y)
    h, dh = model.rnn.trace.h, model.rnn.trace.dh
    delta = (1 - h * h) * dh
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    terms = np.einsum("bti,btj->tij", delta, h_prev)
    assert np.allclose(terms.sum(0), model.rnn.grads["weight_hh_l0"], atol=1e-6)


def test_shares_sum_to_one():
    r = bptt.run(bptt.Params())
    assert sum(r.grad_share) == pytest.approx(1.0, abs=1e-3)
    assert len(r.grad_share) == len(r.step_loss) == r.seq_len


def test_window_as_long_as_the_sequence_is_full_bptt():
    r = bptt.run(bptt.Params(seq_len=10, train_steps=5))
    assert r.cosine[-1] == pytest.approx(1.0, abs=1e-5)


def test_truncated_gradient_matches_a_window_by_window_reference():
    model = bptt.TinyRNN(5, seed=2)
    x, y = bptt.task_batch(np.random.default_rng(3), 3, 10, 2)
    model.zero_grad()
    model.loss_and_backward(x, y)
    h = np.array(model.rnn.trace.h)
    k = 4
    got = bptt._truncated_grad(model, x, y, h, k)
    # reference: each window on its own, from the state the full pass reached, gradients added up
    want = np.zeros_like(got)
    for s in range(0, 10, k):
        state = None if s == 0 else h[:, s - 1][None].copy()
        model.zero_grad()
        hw, _ = model.rnn.forward(x[:, s:s + k], state)
        pred = model.out.forward(hw)
        dpred = 2.0 * (pred - y[:, s:s + k]) / (3 * 10)
        model.rnn.backward(model.out.backward(dpred.astype(np.float32)))
        want += model.rnn.grads["weight_hh_l0"]
    assert np.allclose(got, want, atol=1e-6)


def test_short_windows_lose_the_long_range_part_of_the_gradient():
    r = bptt.run(bptt.Params(delay=5, seq_len=16, train_steps=150))
    assert r.cosine[0] < 0.9 < r.cosine[-1]
    assert r.cosine[0] < r.cosine[7]


def test_training_lowers_the_loss():
    r = bptt.run(bptt.Params(train_steps=100))
    assert np.mean(r.train_loss[-10:]) < 0.5 * np.mean(r.train_loss[:10])


@pytest.mark.parametrize("bad", [{"seq_len": 3}, {"seq_len": 41}, {"hidden_size": 33}, {"delay": 9},
                                 {"train_steps": 301}, {"window": 0}, {"seed": -1}, {"other": 0}])
def test_out_of_range_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        bptt.Params(**bad)


def test_window_longer_than_the_sequence_is_clamped():
    r = bptt.run(bptt.Params(seq_len=6, window=30, train_steps=0))
    assert r.window == 6 and r.train_loss == []


def test_result_is_json_and_chart_has_titles_and_axes():
    r = bptt.run(bptt.Params())
    json.loads(r.model_dump_json())
    spec = bptt.chart(r).to_dict()
    assert spec["title"]["text"]
    for panel in spec["vconcat"]:
        assert panel["title"]["text"][0] and panel["width"] == "container"
        layers = panel.get("layer", [panel])
        assert layers[0]["encoding"]["x"]["title"] and layers[0]["encoding"]["y"]["title"]
    assert spec["vconcat"][2]["layer"][0]["encoding"]["color"]["legend"]["orient"] == "bottom"
