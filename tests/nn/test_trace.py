"""layer.trace: shapes, read-only, stable across passes; h, c, gates and the total
dL/dh_t, dL/dc_t against torch cells unrolled by hand with retain_grad (float64).
Shapes: B=2, T=4, I=3, H=5."""

import numpy as np
import pytest
import torch

B, T, I, H = 2, 4, 3, 5
GATES = {"rnn-tanh": "", "rnn-relu": "", "rnn-linear": "", "lstm": "ifgo", "gru": "rzn"}


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


def _values(tensors):
    """[(B, H) tensor per step] -> (B, T, H) array."""
    return np.stack([v.detach().numpy() for v in tensors], axis=1)


def _grads(tensors):
    return np.stack([v.grad.numpy() for v in tensors], axis=1)


def reference(cell, layer, x, state0, num_layers):
    """Run torch's RNNCell / LSTMCell / GRUCell step by step (the "linear" RNN by its
    equation), keeping every h_t (and c_t) with retain_grad."""
    x_t = torch.from_numpy(x)
    parts0 = [torch.from_numpy(s) for s in _parts(state0)]
    inp = [x_t[:, t] for t in range(T)]
    layers, finals = [], []
    for k in range(num_layers):
        n_in = I if k == 0 else H
        if cell == "lstm":
            torch_cell = torch.nn.LSTMCell(n_in, H, dtype=torch.float64)
        elif cell == "gru":
            torch_cell = torch.nn.GRUCell(n_in, H, dtype=torch.float64)
        else:
            nl = "tanh" if cell == "rnn-linear" else cell.split("-")[1]
            torch_cell = torch.nn.RNNCell(n_in, H, nonlinearity=nl, dtype=torch.float64)
        torch_cell.load_state_dict({n: torch.from_numpy(layer.params[f"{n}_l{k}"])
                                    for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        h = parts0[0][k]
        c = parts0[1][k] if cell == "lstm" else None
        hs, cs = [], []
        for t in range(T):
            if cell == "lstm":
                h, c = torch_cell(inp[t], (h, c))
                c.retain_grad()
                cs.append(c)
            elif cell == "rnn-linear":
                p = dict(torch_cell.named_parameters())
                h = inp[t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
            else:
                h = torch_cell(inp[t], h)
            h.retain_grad()
            hs.append(h)
        layers.append({"h": hs, "c": cs})
        finals.append((h, c))
        inp = hs
    return layers, finals


@pytest.mark.parametrize("num_layers", [1, 2])
def test_trace_dh_dc_and_states_match_torch_unrolled_by_hand(cell, make_layer, random_state, rng,
                                                             num_layers):
    layer = make_layer(cell, I, H, num_layers)
    shape = (num_layers, B, H)
    x, state0 = rng.standard_normal((B, T, I)), random_state(cell, rng, shape)
    dout, dstate = rng.standard_normal((B, T, H)), random_state(cell, rng, shape)
    layer.forward(x, state0)
    layer.backward(dout, dstate)

    ref, finals = reference(cell, layer, x, state0, num_layers)
    top = ref[-1]["h"]
    loss = sum((top[t] * torch.from_numpy(dout[:, t])).sum() for t in range(T))
    for k, (h, c) in enumerate(finals):
        loss = loss + (h * torch.from_numpy(_parts(dstate)[0][k])).sum()
        if cell == "lstm":
            loss = loss + (c * torch.from_numpy(dstate[1][k])).sum()
    loss.backward()

    trace = layer.trace
    assert len(trace.layers) == num_layers
    for k, lt in enumerate(trace.layers):
        np.testing.assert_allclose(lt.h, _values(ref[k]["h"]), rtol=0, atol=1e-12)
        np.testing.assert_allclose(lt.dh, _grads(ref[k]["h"]), rtol=0, atol=1e-10)
        if cell == "lstm":
            np.testing.assert_allclose(lt.c, _values(ref[k]["c"]), rtol=0, atol=1e-12)
            np.testing.assert_allclose(lt.dc, _grads(ref[k]["c"]), rtol=0, atol=1e-10)
        else:
            assert lt.c is None and lt.dc is None
    np.testing.assert_array_equal(trace.dh, trace.layers[-1].dh)
    np.testing.assert_array_equal(trace.h, trace.layers[-1].h)


def test_trace_dh_is_the_output_gradient_at_the_last_step_without_a_final_gradient(cell, make_layer,
                                                                                   rng):
    layer = make_layer(cell, I, H)
    layer.forward(rng.standard_normal((B, T, I)))
    dout = rng.standard_normal((B, T, H))
    layer.backward(dout)
    np.testing.assert_array_equal(layer.trace.dh[:, -1], dout[:, -1])


def test_trace_shapes_and_gate_names(cell, make_layer, rng, impl):
    layer = make_layer(cell, I, H, 2, impl=impl)
    assert layer.trace is None
    layer.forward(rng.standard_normal((B, T, I)))
    trace = layer.trace
    assert trace.h.shape == (B, T, H) and trace.dh is None
    assert set(trace.gates) == set(GATES[cell])
    assert all(v.shape == (B, T, H) for v in trace.gates.values())
    assert (trace.c is not None) == (cell == "lstm")
    if cell == "lstm":
        assert trace.c.shape == (B, T, H)
    layer.backward(rng.standard_normal((B, T, H)))
    assert all(lt.dh.shape == (B, T, H) for lt in layer.trace.layers)


def test_trace_gates_are_the_activations_of_the_equations(make_layer, rng, impl):
    layer = make_layer("lstm", I, H, impl=impl)
    x = rng.standard_normal((B, T, I))
    layer.forward(x)
    tr = layer.trace
    p = layer.params
    h_prev = np.concatenate([np.zeros((B, 1, H)), tr.h[:, :-1]], axis=1)
    a = x @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h_prev @ p["weight_hh_l0"].T + p["bias_hh_l0"]
    sig = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(tr.gates["i"], sig[..., :H], atol=1e-14)
    np.testing.assert_allclose(tr.gates["f"], sig[..., H:2 * H], atol=1e-14)
    np.testing.assert_allclose(tr.gates["g"], np.tanh(a[..., 2 * H:3 * H]), atol=1e-14)
    np.testing.assert_allclose(tr.gates["o"], sig[..., 3 * H:], atol=1e-14)
    np.testing.assert_allclose(tr.h, tr.gates["o"] * np.tanh(tr.c), atol=1e-14)


def test_trace_is_read_only_and_frozen(cell, make_layer, rng, impl):
    layer = make_layer(cell, I, H, impl=impl)
    layer.forward(rng.standard_normal((B, T, I)))
    layer.backward(rng.standard_normal((B, T, H)))
    trace = layer.trace
    arrays = [trace.h, trace.dh, *trace.gates.values()] + ([trace.c, trace.dc] if cell == "lstm" else [])
    for a in arrays:
        with pytest.raises(ValueError):
            a[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        trace.layers = ()
    if trace.gates:
        with pytest.raises(TypeError):
            trace.gates["x"] = trace.h


def test_a_trace_taken_earlier_is_not_changed_by_later_passes(cell, make_layer, rng, impl):
    layer = make_layer(cell, I, H, impl=impl)
    layer.forward(rng.standard_normal((B, T, I)))
    layer.backward(rng.standard_normal((B, T, H)))
    first = layer.trace
    h, dh = first.h.copy(), first.dh.copy()
    layer.forward(rng.standard_normal((B, T, I)))
    layer.backward(rng.standard_normal((B, T, H)))
    np.testing.assert_array_equal(first.h, h)
    np.testing.assert_array_equal(first.dh, dh)
    assert not np.array_equal(layer.trace.h, h)
