import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rnnlab.experiments import vanishing_gradients as vg


def _run(**kw):
    return vg.run(vg.Params(**kw))


def test_tanh_rnn_at_rho_half_decays_geometrically():
    r = _run(cell="rnn", nonlinearity="tanh", spectral_radius=0.5, seq_len=60)
    logn = np.log(np.array(r.grad_norm))
    ratios = np.exp(np.diff(logn))
    assert np.all(ratios < 1.0), "every step back must shrink the gradient"
    slope, intercept = np.polyfit(r.distance, logn, 1)
    assert slope < np.log(0.8)
    residual = logn - (slope * np.array(r.distance) + intercept)
    assert np.max(np.abs(residual)) < 0.15 * abs(slope) * len(logn)  # roughly a straight line in log space
    assert r.decay_per_step < 0.8


def test_linear_rnn_at_rho_one_and_a_half_grows():
    r = _run(cell="rnn", nonlinearity="linear", spectral_radius=1.5, seq_len=80, clip_norm=0)
    norms = np.array(r.grad_norm)
    assert norms[-1] > 1e6 * norms[0]
    assert r.decay_per_step > 1.2


def test_lstm_with_forget_bias_one_keeps_far_more_gradient_than_tanh_rnn_at_distance_100():
    common = dict(seq_len=101, hidden_size=32, spectral_radius=0.9)
    rnn = _run(cell="rnn", nonlinearity="tanh", **common)
    lstm = _run(cell="lstm", gate_bias=1.0, **common)
    ratio = lstm.grad_norm[100] / rnn.grad_norm[100]
    print(f"LSTM/RNN gradient at distance 100: {ratio:.3g}")
    assert ratio >= 100.0


def test_larger_forget_bias_keeps_more_gradient():
    low = _run(cell="lstm", gate_bias=0.0, seq_len=80)
    high = _run(cell="lstm", gate_bias=4.0, seq_len=80)
    assert high.grad_norm[79] > 100 * low.grad_norm[79]


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("rho", [0.3, 1.0, 1.8])
def test_bound_is_never_below_the_measured_norm(nonlinearity, rho):
    r = _run(cell="rnn", nonlinearity=nonlinearity, spectral_radius=rho, seq_len=50, hidden_size=16)
    measured, bound = np.array(r.grad_norm), np.array(r.bound)
    assert np.all(bound >= measured * (1 - 1e-6))
    assert r.sigma_max >= r.spectral_radius - 1e-9


def test_recurrent_weights_get_the_requested_spectral_radius():
    r = _run(cell="gru", spectral_radius=1.3, hidden_size=12)
    assert r.spectral_radius == pytest.approx(1.3, rel=1e-6)
    assert r.bound is None and r.sigma_max is None


def test_gradient_at_the_last_step_is_the_loss_weight_of_unit_norm():
    for cell in ["rnn", "lstm", "gru"]:
        assert _run(cell=cell).grad_norm[0] == pytest.approx(1.0, rel=1e-5)


def test_clipping_scales_an_exploding_gradient_down_to_the_threshold():
    r = _run(cell="rnn", nonlinearity="linear", spectral_radius=1.5, seq_len=60, clip_norm=5.0)
    assert r.param_grad_norm > 5.0
    assert r.clip_scale == pytest.approx(5.0 / r.param_grad_norm, rel=1e-4)
    assert np.allclose(r.clipped, np.array(r.grad_norm) * r.clip_scale, rtol=1e-4)


def test_clipping_leaves_a_small_gradient_alone():
    r = _run(cell="rnn", spectral_radius=0.5, clip_norm=100.0)
    assert r.clip_scale == 1.0 and r.clipped is None


def test_run_is_seeded():
    assert _run(seed=3) == _run(seed=3)
    assert _run(seed=3).grad_norm != _run(seed=4).grad_norm


@pytest.mark.parametrize("bad", [
    {"spectral_radius": 0.05}, {"spectral_radius": 2.5}, {"seq_len": 201}, {"seq_len": 1},
    {"hidden_size": 129}, {"hidden_size": 2}, {"gate_bias": 6}, {"cell": "transformer"},
    {"nonlinearity": "sigmoid"}, {"clip_norm": -1}, {"unknown": 1},
])
def test_out_of_range_params_are_rejected(bad):
    with pytest.raises(ValidationError):
        vg.Params(**bad)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_result_is_json_and_chart_has_title_axes_and_legend(cell):
    r = _run(cell=cell, nonlinearity="linear", spectral_radius=1.4, clip_norm=2.0)
    json.loads(r.model_dump_json())
    spec = vg.chart(r).to_dict()
    assert "gradient" in " ".join(spec["title"]["text"])
    enc = spec["layer"][-1]["encoding"]  # the measured line, drawn last
    assert "distance" in enc["x"]["title"] and "log" in enc["y"]["title"]
    assert enc["y"]["scale"]["type"] == "log"
    assert enc["color"]["legend"]["orient"] == "bottom"
    assert spec["width"] == "container"
    series = {row["series"] for row in spec["datasets"]["gradients"]}
    assert any("clipping" in s for s in series) == (r.clip_scale < 1)
    assert r.clip_scale < 1 or cell != "rnn"
    assert any("bound" in s for s in series) == (cell == "rnn")


def test_chart_ends_the_axis_above_the_measurement_when_the_bound_grows_off_it():
    r = _run(cell="rnn", nonlinearity="tanh", spectral_radius=0.9)  # σ_max > 1: the bound grows to ~1e16
    spec = vg.chart(r).to_dict()
    top = spec["layer"][-1]["encoding"]["y"]["scale"]["domainMax"]
    assert 10 * max(r.grad_norm) <= top < max(r.bound)
    assert all(layer["mark"]["clip"] for layer in spec["layer"])
    assert any("bound leaves the chart" in line for line in spec["title"]["subtitle"])


def test_chart_shows_a_shrinking_bound_whole():
    r = _run(cell="rnn", nonlinearity="tanh", spectral_radius=0.5)
    assert max(r.bound) <= 1.0 + 1e-9
    spec = vg.chart(r).to_dict()
    assert "domainMax" not in spec["layer"][-1]["encoding"]["y"]["scale"]
    assert not any("leaves the chart" in line for line in spec["title"]["subtitle"])


@settings(max_examples=10, deadline=None)
@given(cell=st.sampled_from(["rnn", "lstm", "gru"]), nonlinearity=st.sampled_from(["tanh", "relu", "linear"]),
       rho=st.floats(0.1, 2.0), T=st.integers(2, 200), H=st.integers(4, 128), bias=st.floats(-3, 5),
       clip=st.floats(0, 100), seed=st.integers(0, 1000))
def test_any_valid_params_give_finite_json_and_a_chart(cell, nonlinearity, rho, T, H, bias, clip, seed):
    r = _run(cell=cell, nonlinearity=nonlinearity, spectral_radius=rho, seq_len=T, hidden_size=H,
             gate_bias=bias, clip_norm=clip, seed=seed)
    values = r.grad_norm + (r.bound or []) + (r.clipped or []) + [r.decay_per_step, r.param_grad_norm]
    assert all(np.isfinite(values)) and len(r.grad_norm) == T
    json.loads(r.model_dump_json())
    vg.chart(r).to_dict()
