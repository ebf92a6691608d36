"""The fast path (nn.fast): its kernel-shaped step and sequence functions of RNN, LSTM and GRU
against numeric gradients (float64, relative error <= 1e-6), its buffers and its chunks.
Shapes: B=2, T=4, I=3, H=5; the step functions take columns, h (H, B). The fast path against
the reference and torch: test_impl_parity.py."""

import numpy as np
import pytest

from rnnlab.nn.gradcheck import gradcheck
from rnnlab.nn.fast._sequence import sigmoid_
from rnnlab.nn.fast.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnnlab.nn.fast.lstm import (ifog_order, lstm_backward, lstm_forward, lstm_step_backward,
                                 lstm_step_forward)
from rnnlab.nn.fast.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

B, T, I, H = 2, 4, 3, 5
TOL = 1e-6


def randn(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def test_sigmoid_in_place_equals_logistic_function(rng):
    a = randn(rng, 7, 9, scale=8.0)
    expected = 1.0 / (1.0 + np.exp(-a))
    out = sigmoid_(a)
    assert out is a
    np.testing.assert_allclose(a, expected, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_step_backward_matches_numeric_gradient(rng, nonlinearity):
    xw_t, h_prev, W_hh = randn(rng, H, B), randn(rng, H, B), randn(rng, H, H, scale=0.5)
    w = randn(rng, H, B)  # loss = sum(w * h_t)

    def loss():
        return float(np.sum(w * rnn_step_forward(xw_t, h_prev, W_hh, nonlinearity)[0]))

    _, cache = rnn_step_forward(xw_t, h_prev, W_hh, nonlinearity)
    g = rnn_step_backward(w, cache)
    analytic = {"xw_t": g.da, "h_prev": g.dh_prev, "W_hh": g.da @ h_prev.T}
    report = gradcheck(loss, {"xw_t": xw_t, "h_prev": h_prev, "W_hh": W_hh}, analytic, tol=TOL)
    assert report.ok, report


def test_lstm_step_backward_matches_numeric_gradient(rng):
    xw_t, h_prev, c_prev = randn(rng, 4 * H, B), randn(rng, H, B), randn(rng, H, B)
    W_hh = randn(rng, 4 * H, H, scale=0.5)
    wh, wc, dc_next = randn(rng, H, B), randn(rng, H, B), randn(rng, H, B)

    def loss():  # dc_next stands for the gradient reaching c_t from step t+1
        h, c, _ = lstm_step_forward(xw_t, h_prev, c_prev, W_hh)
        return float(np.sum(wh * h) + np.sum((wc + dc_next) * c))

    _, _, cache = lstm_step_forward(xw_t, h_prev, c_prev, W_hh)
    g = lstm_step_backward(wh, wc + dc_next, cache)
    arrays = {"xw_t": xw_t, "h_prev": h_prev, "c_prev": c_prev, "W_hh": W_hh}
    analytic = {"xw_t": g.da, "h_prev": g.dh_prev, "c_prev": g.dc_prev, "W_hh": g.da @ h_prev.T}
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_gru_step_backward_matches_numeric_gradient(rng):
    xw_t, h_prev = randn(rng, 3 * H, B), randn(rng, H, B)
    W_hh, b_hh = randn(rng, 3 * H, H, scale=0.5), randn(rng, 3 * H, 1)
    w = randn(rng, H, B)

    def loss():
        return float(np.sum(w * gru_step_forward(xw_t, h_prev, W_hh, b_hh)[0]))

    _, cache = gru_step_forward(xw_t, h_prev, W_hh, b_hh)
    g = gru_step_backward(w, cache)
    arrays = {"xw_t": xw_t, "h_prev": h_prev, "W_hh": W_hh, "b_hh": b_hh}
    analytic = {"xw_t": g.dxw, "h_prev": g.dh_prev, "W_hh": g.dhw @ h_prev.T,
                "b_hh": g.dhw.sum(1, keepdims=True)}
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_step_functions_write_into_given_buffers_with_the_same_result(rng):
    xw_t, h_prev, c_prev = randn(rng, 4 * H, B), randn(rng, H, B), randn(rng, H, B)
    W_hh = randn(rng, 4 * H, H)
    h_ref, c_ref, _ = lstm_step_forward(xw_t, h_prev, c_prev, W_hh)
    bufs = {k: np.empty(s) for k, s in
            {"ifog": (4 * H, B), "c": (H, B), "tanh_c": (H, B), "h": (H, B)}.items()}
    h, c, cache = lstm_step_forward(xw_t, h_prev, c_prev, W_hh, **bufs)
    assert h is bufs["h"] and c is bufs["c"] and cache.ifog is bufs["ifog"]
    np.testing.assert_array_equal(h, h_ref)
    np.testing.assert_array_equal(c, c_ref)


def test_lstm_step_backward_may_reuse_the_carry_buffer(rng):
    xw_t, h_prev, c_prev = randn(rng, 4 * H, B), randn(rng, H, B), randn(rng, H, B)
    _, _, cache = lstm_step_forward(xw_t, h_prev, c_prev, randn(rng, 4 * H, H))
    dh, dc_next = randn(rng, H, B), randn(rng, H, B)
    ref = lstm_step_backward(dh, dc_next, cache)
    carry = dc_next.copy()
    g = lstm_step_backward(dh, carry, cache, dc_prev=carry)
    np.testing.assert_array_equal(g.dc_prev, ref.dc_prev)
    np.testing.assert_array_equal(g.dc, ref.dc)


def _sequence_case(rng, G):
    x, h0 = randn(rng, B, T, I), randn(rng, B, H)
    W_ih, W_hh = randn(rng, G * H, I, scale=0.5), randn(rng, G * H, H, scale=0.5)
    b_ih, b_hh = randn(rng, G * H), randn(rng, G * H)
    return x, h0, W_ih, W_hh, b_ih, b_hh


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_sequence_backward_matches_numeric_gradient(rng, nonlinearity):
    x, h0, W_ih, W_hh, b_ih, b_hh = _sequence_case(rng, 1)
    dout, dhT = randn(rng, B, T, H), randn(rng, B, H)

    def loss():
        out, hT, _ = rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)
        return float(np.sum(out * dout) + np.sum(hT * dhT))

    g = rnn_backward(dout, dhT, rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh, nonlinearity)[2])
    arrays = dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    analytic = dict(x=g.dx, h0=g.dh0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_lstm_sequence_backward_matches_numeric_gradient(rng):
    x, h0, W_ih, W_hh, b_ih, b_hh = _sequence_case(rng, 4)
    c0, dout, dhT, dcT = randn(rng, B, H), randn(rng, B, T, H), randn(rng, B, H), randn(rng, B, H)

    def loss():
        out, hT, cT, _ = lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh)
        return float(np.sum(out * dout) + np.sum(hT * dhT) + np.sum(cT * dcT))

    g = lstm_backward(dout, dhT, dcT, lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh)[3])
    arrays = dict(x=x, h0=h0, c0=c0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    analytic = dict(x=g.dx, h0=g.dh0, c0=g.dc0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih,
                    b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_gru_sequence_backward_matches_numeric_gradient(rng):
    x, h0, W_ih, W_hh, b_ih, b_hh = _sequence_case(rng, 3)
    dout, dhT = randn(rng, B, T, H), randn(rng, B, H)

    def loss():
        out, hT, _ = gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh)
        return float(np.sum(out * dout) + np.sum(hT * dhT))

    g = gru_backward(dout, dhT, gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh)[2])
    arrays = dict(x=x, h0=h0, W_ih=W_ih, W_hh=W_hh, b_ih=b_ih, b_hh=b_hh)
    analytic = dict(x=g.dx, h0=g.dh0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_ifog_order_swaps_the_g_and_o_blocks_and_is_its_own_inverse():
    order = ifog_order(2)
    assert order.tolist() == [0, 1, 2, 3, 6, 7, 4, 5]
    assert order[order].tolist() == list(range(8))


def test_lstm_sequence_without_output_gradient_equals_zero_output_gradient(rng):
    x, h0, W_ih, W_hh, b_ih, b_hh = _sequence_case(rng, 4)
    c0, dhT = randn(rng, B, H), randn(rng, B, H)
    cache = lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh)[3]
    g_none = lstm_backward(None, dhT, None, cache)
    g_zero = lstm_backward(np.zeros((B, T, H)), dhT, np.zeros((B, H)), cache)
    np.testing.assert_array_equal(g_none.dx, g_zero.dx)
    np.testing.assert_array_equal(g_none.dW_hh, g_zero.dW_hh)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_backward_split_into_chunks_equals_one_chunk(rng, monkeypatch, cell):
    from rnnlab.nn.fast import gru, lstm, rnn
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    T_long = 11
    x, h0, dout, dhT = randn(rng, B, T_long, I), randn(rng, B, H), randn(rng, B, T_long, H), randn(rng, B, H)
    W_ih, W_hh = randn(rng, G * H, I, scale=0.5), randn(rng, G * H, H, scale=0.5)
    b_ih, b_hh = randn(rng, G * H), randn(rng, G * H)
    if cell == "rnn":
        def grads():
            return rnn_backward(dout, dhT, rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)[2])
    elif cell == "gru":
        def grads():
            return gru_backward(dout, dhT, gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh)[2])
    else:
        def grads():  # with a clamped gate whose first step falls inside a chunk
            cache = lstm_forward(x, h0, h0, W_ih, W_hh, b_ih, b_hh, gate_override={"f": (0.5, 5)})[3]
            return lstm_backward(dout, dhT, dhT, cache)
    whole = grads()
    module = {"rnn": rnn, "lstm": lstm, "gru": gru}[cell]
    threes = [(8, 11), (5, 8), (2, 5), (0, 2)]  # chunks of 3 steps, the last first
    monkeypatch.setattr(module, "chunks", lambda T, step_nbytes: threes)
    split = grads()
    for name in ("dx", "dh0", "dW_ih", "dW_hh", "db_ih", "db_hh", "dh"):
        np.testing.assert_allclose(getattr(split, name), getattr(whole, name), rtol=1e-12, atol=1e-14)
