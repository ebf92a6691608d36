"""The reference cells (nn/rnn.py, lstm.py, gru.py): every step and sequence backward against
numeric gradients (float64, relative error <= 1e-6), with gate surgery for the LSTM.
Shapes: B=2, T=5, I=3, H=4; the reference takes one row per sequence, x_t (B, I)."""

import numpy as np
import pytest

from rnnlab.nn.gradcheck import gradcheck
from rnnlab.nn.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnnlab.nn.lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from rnnlab.nn.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward, sigmoid

B, T, I, H = 2, 5, 3, 4
TOL = 1e-6


def _weights(rng, G):
    """W_ih (G*H, I), W_hh (G*H, H), b_ih, b_hh (G*H,), scaled so the gates stay apart."""
    return dict(W_ih=0.5 * rng.standard_normal((G * H, I)), W_hh=0.5 * rng.standard_normal((G * H, H)),
                b_ih=rng.standard_normal(G * H), b_hh=rng.standard_normal(G * H))


def test_sigmoid_is_the_logistic_function_and_saturates_without_nan(rng):
    a = 8 * rng.standard_normal((7, 9))
    np.testing.assert_allclose(sigmoid(a), 1 / (1 + np.exp(-a)), rtol=1e-15)
    assert sigmoid(np.float32(-200)) == 0 and sigmoid(np.float32(200)) == 1


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_step_backward_matches_numeric_gradient(rng, nonlinearity):
    arrays = dict(x_t=rng.standard_normal((B, I)), h_prev=rng.standard_normal((B, H)), **_weights(rng, 1))
    dh = rng.standard_normal((B, H))  # loss = sum(dh * h)

    def loss():
        return float(np.sum(dh * rnn_step_forward(*arrays.values(), nonlinearity)[0]))

    g = rnn_step_backward(dh, rnn_step_forward(*arrays.values(), nonlinearity)[1])
    analytic = dict(x_t=g.dx, h_prev=g.dh_prev, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


@pytest.mark.parametrize("clamp", [None, {"f": 0.0}, {"i": 1.0, "o": 0.5}], ids=["no-clamp", "f", "i-o"])
def test_lstm_step_backward_matches_numeric_gradient(rng, clamp):
    arrays = dict(x_t=rng.standard_normal((B, I)), h_prev=rng.standard_normal((B, H)),
                  c_prev=rng.standard_normal((B, H)), **_weights(rng, 4))
    dh, dc_out, dc = (rng.standard_normal((B, H)) for _ in range(3))

    def loss():  # dc stands for the gradient reaching c_t from step t+1; dc_out, for one on c_t itself
        h, c, _ = lstm_step_forward(*arrays.values(), clamp)
        return float(np.sum(dh * h) + np.sum((dc_out + dc) * c))

    g = lstm_step_backward(dh, dc_out + dc, lstm_step_forward(*arrays.values(), clamp)[2])
    analytic = dict(x_t=g.dx, h_prev=g.dh_prev, c_prev=g.dc_prev, W_ih=g.dW_ih, W_hh=g.dW_hh,
                    b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_lstm_step_clamped_gate_is_the_constant_and_gets_no_gradient(rng):
    arrays = dict(x_t=rng.standard_normal((B, I)), h_prev=rng.standard_normal((B, H)),
                  c_prev=rng.standard_normal((B, H)), **_weights(rng, 4))
    h, c, cache = lstm_step_forward(*arrays.values(), {"f": 0.0})
    np.testing.assert_array_equal(cache.f, 0.0)
    np.testing.assert_allclose(c, cache.i * cache.g, rtol=1e-15)
    g = lstm_step_backward(rng.standard_normal((B, H)), rng.standard_normal((B, H)), cache)
    assert not np.any(g.dW_hh[H:2 * H]) and not np.any(g.db_ih[H:2 * H])  # the f block, torch's order
    np.testing.assert_array_equal(g.dc_prev, 0.0)  # f = 0: nothing flows back along the cell


def test_gru_step_backward_matches_numeric_gradient(rng):
    arrays = dict(x_t=rng.standard_normal((B, I)), h_prev=rng.standard_normal((B, H)), **_weights(rng, 3))
    dh = rng.standard_normal((B, H))

    def loss():
        return float(np.sum(dh * gru_step_forward(*arrays.values())[0]))

    g = gru_step_backward(dh, gru_step_forward(*arrays.values())[1])
    analytic = dict(x_t=g.dx, h_prev=g.dh_prev, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_rnn_sequence_backward_matches_numeric_gradient(rng, nonlinearity):
    arrays = dict(x=rng.standard_normal((B, T, I)), h0=rng.standard_normal((B, H)), **_weights(rng, 1))
    dout, dhT = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))

    def loss():
        out, hT, _ = rnn_forward(*arrays.values(), nonlinearity)
        return float(np.sum(out * dout) + np.sum(hT * dhT))

    g = rnn_backward(dout, dhT, rnn_forward(*arrays.values(), nonlinearity)[2])
    analytic = dict(x=g.dx, h0=g.dh0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


@pytest.mark.parametrize("override", [None, {"f": (0.3, 2)}, {"i": (1.0, 0), "o": (0.5, 3)}],
                         ids=["no-surgery", "f-from-2", "i-o"])
def test_lstm_sequence_backward_matches_numeric_gradient(rng, override):
    arrays = dict(x=rng.standard_normal((B, T, I)), h0=rng.standard_normal((B, H)),
                  c0=rng.standard_normal((B, H)), **_weights(rng, 4))
    dout, dhT, dcT = rng.standard_normal((B, T, H)), rng.standard_normal((B, H)), rng.standard_normal((B, H))

    def loss():
        out, hT, cT, _ = lstm_forward(*arrays.values(), gate_override=override)
        return float(np.sum(out * dout) + np.sum(hT * dhT) + np.sum(cT * dcT))

    g = lstm_backward(dout, dhT, dcT, lstm_forward(*arrays.values(), gate_override=override)[3])
    analytic = dict(x=g.dx, h0=g.dh0, c0=g.dc0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_gru_sequence_backward_matches_numeric_gradient(rng):
    arrays = dict(x=rng.standard_normal((B, T, I)), h0=rng.standard_normal((B, H)), **_weights(rng, 3))
    dout, dhT = rng.standard_normal((B, T, H)), rng.standard_normal((B, H))

    def loss():
        out, hT, _ = gru_forward(*arrays.values())
        return float(np.sum(out * dout) + np.sum(hT * dhT))

    g = gru_backward(dout, dhT, gru_forward(*arrays.values())[2])
    analytic = dict(x=g.dx, h0=g.dh0, W_ih=g.dW_ih, W_hh=g.dW_hh, b_ih=g.db_ih, b_hh=g.db_hh)
    report = gradcheck(loss, arrays, analytic, tol=TOL)
    assert report.ok, report


def test_sequence_backward_sums_the_step_weight_gradients(rng):
    """lstm_backward is the loop over lstm_step_backward: its weight gradients are the sum of
    the steps', each step fed the total dL/dh_t the sequence backward records."""
    w = _weights(rng, 4)
    x, h0, c0 = rng.standard_normal((B, T, I)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    dout = rng.standard_normal((B, T, H))
    _, _, _, cache = lstm_forward(x, h0, c0, *w.values())
    g = lstm_backward(dout, None, None, cache)
    dc_next, total = np.zeros((B, H)), np.zeros_like(w["W_hh"])
    for t in reversed(range(T)):
        step = lstm_step_backward(g.dh[:, t], dc_next, cache.steps[t])
        total += step.dW_hh
        dc_next = step.dc_prev
    np.testing.assert_allclose(g.dW_hh, total, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(g.dc0, dc_next, rtol=1e-13, atol=1e-14)


def test_sequence_without_output_gradient_equals_zero_output_gradient(rng):
    w = _weights(rng, 4)
    x, h0, c0, dhT = (rng.standard_normal(s) for s in ((B, T, I), (B, H), (B, H), (B, H)))
    cache = lstm_forward(x, h0, c0, *w.values())[3]
    g_none = lstm_backward(None, dhT, None, cache)
    g_zero = lstm_backward(np.zeros((B, T, H)), dhT, np.zeros((B, H)), cache)
    np.testing.assert_array_equal(g_none.dx, g_zero.dx)
    np.testing.assert_array_equal(g_none.dW_hh, g_zero.dW_hh)
