"""nn.RNN / nn.LSTM / nn.GRU as layers: numeric gradients through every parameter, the
input and the initial state (float64, relative error <= 1e-6), the module contract, and
bad input. Shapes: B=2, T=4, I=3, H=5."""

import numpy as np
import pytest

from rnnlab import nn
from rnnlab.nn.gradcheck import gradcheck

B, T, I, H = 2, 4, 3, 5


def _as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("final_grad", [False, True], ids=["no-dstate", "dstate"])
def test_layer_backward_matches_numeric_gradient(cell, make_layer, random_state, rng, num_layers,
                                                 with_state, final_grad):
    layer = make_layer(cell, I, H, num_layers)
    x = rng.standard_normal((B, T, I))
    shape = (num_layers, B, H)
    state0 = random_state(cell, rng, shape) if with_state else None
    dout = rng.standard_normal((B, T, H))
    dstate = random_state(cell, rng, shape) if final_grad else None

    def loss():
        out, state = layer.forward(x, state0)
        total = np.sum(out * dout)
        if final_grad:
            total += sum(np.sum(s * d) for s, d in zip(_as_tuple(state), _as_tuple(dstate)))
        return float(total)

    layer.forward(x, state0)
    dx, dstate0 = layer.backward(dout, dstate)
    arrays = dict(layer.params, x=x)
    analytic = dict(layer.grads, x=dx)
    if with_state:
        for name, s, d in zip("hc", _as_tuple(state0), _as_tuple(dstate0)):
            arrays[f"state0.{name}"], analytic[f"state0.{name}"] = s, d
    report = gradcheck(loss, arrays, analytic, tol=1e-6)
    assert report.ok, report


def test_dstate0_is_returned_for_a_zero_initial_state(cell, make_layer, random_state, rng):
    layer = make_layer(cell, I, H, 2)
    x = rng.standard_normal((B, T, I))
    layer.forward(x)
    _, dstate0 = layer.backward(rng.standard_normal((B, T, H)))
    parts = _as_tuple(dstate0)
    assert len(parts) == (2 if cell == "lstm" else 1)
    assert all(p.shape == (2, B, H) and np.any(p != 0) for p in parts)


def test_backward_adds_into_grads_and_zero_grad_clears_them(cell, make_layer, rng):
    layer = make_layer(cell, I, H)
    x, dout = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, H))
    layer.forward(x)
    layer.backward(dout)
    once = {k: g.copy() for k, g in layer.grads.items()}
    layer.backward(dout)
    for k, g in layer.grads.items():
        np.testing.assert_allclose(g, 2 * once[k], rtol=1e-12)
    layer.zero_grad()
    assert all(not np.any(g) for g in layer.grads.values())


def test_parameters_have_torch_names_shapes_and_default_init_range(cell, make_layer):
    layer = make_layer(cell, I, H, 2)
    G = {"lstm": 4, "gru": 3}.get(cell, 1)
    expected = {}
    for k, n_in in enumerate([I, H]):
        expected.update({f"weight_ih_l{k}": (G * H, n_in), f"weight_hh_l{k}": (G * H, H),
                         f"bias_ih_l{k}": (G * H,), f"bias_hh_l{k}": (G * H,)})
    assert {k: v.shape for k, v in layer.params.items()} == expected
    assert {k: v.shape for k, v in layer.grads.items()} == expected
    bound = 1 / np.sqrt(H)
    assert all(np.abs(v).max() <= bound for v in layer.params.values())
    assert max(np.abs(v).max() for v in layer.params.values()) > 0.8 * bound


def test_same_seed_same_weights_other_seed_other_weights(cell, make_layer):
    a, b, c = (make_layer(cell, I, H, seed=s) for s in (3, 3, 4))
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert any(np.any(a.params[k] != c.params[k]) for k in a.params)


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_float32_is_the_default_and_float64_input_is_cast(cls, rng):
    layer = cls(I, H)
    assert all(p.dtype == np.float32 for p in layer.params.values())
    out, state = layer.forward(rng.standard_normal((B, T, I)))  # float64 in
    assert out.dtype == np.float32
    assert all(s.dtype == np.float32 for s in _as_tuple(state))
    dx, _ = layer.backward(rng.standard_normal((B, T, H)))
    assert dx.dtype == np.float32


def test_out_is_a_copy_that_does_not_corrupt_backward(cell, make_layer, rng, impl):
    layer = make_layer(cell, I, H, impl=impl)
    x, dout = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, H))
    out, _ = layer.forward(x)
    dx_ref, _ = layer.backward(dout)
    out[...] = 123.0
    dx, _ = layer.backward(dout)
    np.testing.assert_array_equal(dx, dx_ref)


def test_backward_without_any_gradient_gives_zeros(cell, make_layer, rng, impl):
    layer = make_layer(cell, I, H, impl=impl)
    layer.forward(rng.standard_normal((B, T, I)))
    dx, dstate0 = layer.backward()
    assert dx.shape == (B, T, I) and not np.any(dx)
    assert all(not np.any(p) for p in _as_tuple(dstate0))


# --- bad input ------------------------------------------------------------------------


def _layer_and_x(cell, make_layer, rng):
    return make_layer(cell, I, H, 2), rng.standard_normal((B, T, I))


@pytest.mark.parametrize("bad_x, message", [
    (np.zeros((T, I)), r"expected shape \(B, T, 3\).*got shape \(4, 3\)"),
    (np.zeros((B, T, I + 1)), r"expected input size 3.*got shape \(2, 4, 4\)"),
    (np.zeros((B, 0, I)), r"at least one .* step, got shape \(2, 0, 3\)"),
    (np.array([[[np.nan, 0, 0]]]), "finite"),
    (np.array([[[np.inf, 0, 0]]]), "finite"),
    (np.array([[["a", "b", "c"]]]), "real numeric array"),
])
def test_forward_rejects_bad_x(cell, make_layer, rng, bad_x, message):
    layer, _ = _layer_and_x(cell, make_layer, rng)
    with pytest.raises(ValueError, match=message):
        layer.forward(bad_x)


def test_forward_rejects_a_state_of_the_wrong_shape(cell, make_layer, random_state, rng):
    layer, x = _layer_and_x(cell, make_layer, rng)
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 2, 5\).*got shape \(2, 3, 5\)"):
        layer.forward(x, random_state(cell, rng, (2, B + 1, H)))
    with pytest.raises(ValueError, match=r"expected h of shape \(2, 2, 5\).*got shape \(1, 2, 5\)"):
        layer.forward(x, random_state(cell, rng, (1, B, H)))


def test_forward_rejects_the_wrong_state_structure(cell, make_layer, rng):
    layer, x = _layer_and_x(cell, make_layer, rng)
    h = np.zeros((2, B, H))
    wrong = h if cell == "lstm" else (h, h)
    expected = r"expected a pair \(h, c\)" if cell == "lstm" else "expected a single array h"
    with pytest.raises(ValueError, match=expected):
        layer.forward(x, wrong)


def test_forward_rejects_nan_in_the_state(cell, make_layer, random_state, rng):
    layer, x = _layer_and_x(cell, make_layer, rng)
    state = random_state(cell, rng, (2, B, H))
    _as_tuple(state)[0][0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        layer.forward(x, state)


def test_backward_before_forward_is_rejected(cell, make_layer):
    with pytest.raises(ValueError, match="expected a forward pass first"):
        make_layer(cell, I, H).backward(np.zeros((B, T, H)))


def test_backward_rejects_bad_dout_and_dstate(cell, make_layer, random_state, rng):
    layer, x = _layer_and_x(cell, make_layer, rng)
    layer.forward(x)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 4, 5\).*got shape \(2, 3, 5\)"):
        layer.backward(np.zeros((B, T - 1, H)))
    with pytest.raises(ValueError, match="dout: expected finite"):
        layer.backward(np.full((B, T, H), np.nan))
    with pytest.raises(ValueError, match=r"dstate: expected h of shape \(2, 2, 5\)"):
        layer.backward(None, random_state(cell, rng, (2, B, H + 1)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_size=0, hidden_size=5), "input_size: expected an integer >= 1, got 0"),
    (dict(input_size=3, hidden_size=-2), "hidden_size: expected an integer >= 1, got -2"),
    (dict(input_size=3, hidden_size=2.5), "hidden_size: expected an integer >= 1, got 2.5"),
    (dict(input_size=3, hidden_size=5, num_layers=0), "num_layers: expected an integer >= 1, got 0"),
    (dict(input_size=3, hidden_size=5, dtype=np.int32), "dtype: expected float32 or float64"),
])
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
def test_constructor_rejects_bad_sizes_and_dtypes(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_rnn_rejects_an_unknown_nonlinearity():
    with pytest.raises(ValueError, match=r"nonlinearity: expected one of .*'tanh'.*got 'sigmoid'"):
        nn.RNN(I, H, nonlinearity="sigmoid")


@pytest.mark.parametrize("batch", [1, 3])
def test_forward_and_backward_leave_their_inputs_untouched(cell, make_layer, random_state, rng, batch, impl):
    layer = make_layer(cell, I, H, 2, impl=impl)
    x, dout = rng.standard_normal((batch, T, I)), rng.standard_normal((batch, T, H))
    state0, dstate = (random_state(cell, rng, (2, batch, H)) for _ in range(2))
    copies = [a.copy() for a in (x, dout, *_as_tuple(state0), *_as_tuple(dstate))]
    layer.forward(x, state0)
    layer.backward(dout, dstate)
    for before, after in zip(copies, (x, dout, *_as_tuple(state0), *_as_tuple(dstate))):
        np.testing.assert_array_equal(before, after)


def test_backward_differentiates_the_pass_that_ran_even_after_an_in_place_update(cell, make_layer,
                                                                                 rng, impl):
    layer = make_layer(cell, I, H, impl=impl)
    x, dout = rng.standard_normal((B, T, I)), rng.standard_normal((B, T, H))
    layer.forward(x)
    dx_ref, _ = layer.backward(dout)
    grads_ref = {k: g.copy() for k, g in layer.grads.items()}
    layer.zero_grad()
    layer.forward(x)
    for p in layer.params.values():
        p *= 3.0  # e.g. an optimizer step between forward and backward
    dx, _ = layer.backward(dout)
    np.testing.assert_array_equal(dx, dx_ref)
    for k, g in layer.grads.items():
        np.testing.assert_array_equal(g, grads_ref[k])


def test_an_unknown_impl_is_rejected():
    with pytest.raises(ValueError, match=r"impl: expected one of \('fast', 'reference'\), got 'quick'"):
        nn.LSTM(I, H, impl="quick")


def test_gate_override_on_a_layer_without_gates_to_clamp_is_rejected(rng):
    for layer in (nn.RNN(I, H), nn.GRU(I, H)):
        with pytest.raises(ValueError, match="has none to clamp"):
            layer.forward(rng.standard_normal((B, T, I)), gate_override={"f": (0.0, 1)})
