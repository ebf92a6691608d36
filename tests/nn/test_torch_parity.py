"""nn.RNN / nn.LSTM / nn.GRU against torch.nn on the same weights (float64): outputs, final
states, dx, dstate0 and every parameter gradient to <= 1e-10 relative; state dicts
round-trip both ways. Shapes: B=2, T=4, I=3, H=5."""

import numpy as np
import pytest
import torch

from rnnlab.nn.gradcheck import rel_error

B, T, I, H = 2, 4, 3, 5
TOL = 1e-10
TORCH = {"rnn-tanh": (torch.nn.RNN, {"nonlinearity": "tanh"}),
         "rnn-relu": (torch.nn.RNN, {"nonlinearity": "relu"}),
         "lstm": (torch.nn.LSTM, {}), "gru": (torch.nn.GRU, {})}


def make_torch(cell, num_layers, seed=0):
    cls, kwargs = TORCH[cell]
    torch.manual_seed(seed)
    return cls(I, H, num_layers=num_layers, batch_first=True, dtype=torch.float64, **kwargs)


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


def _rel(a, b):
    """Relative error scaled by the largest entry (robust to entries near zero)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("with_state", [False, True], ids=["zero-state", "given-state"])
@pytest.mark.parametrize("final_grad", [False, True], ids=["no-dstate", "dstate"])
def test_layer_matches_torch(torch_cell, make_layer, random_state, rng, num_layers, with_state,
                             final_grad):
    cell = torch_cell
    layer = make_layer(cell, I, H, num_layers)
    ref = make_torch(cell, num_layers)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    shape = (num_layers, B, H)
    x = rng.standard_normal((B, T, I))
    state0 = random_state(cell, rng, shape) if with_state else None
    dout = rng.standard_normal((B, T, H))
    dstate = random_state(cell, rng, shape) if final_grad else None

    out, state = layer.forward(x, state0)
    dx, dstate0 = layer.backward(dout, dstate)

    xt = torch.tensor(x, requires_grad=True)
    parts0 = [torch.tensor(s, requires_grad=True) for s in _parts(state0)] if with_state else \
        [torch.zeros(shape, dtype=torch.float64, requires_grad=True) for _ in _parts(dstate0)]
    out_t, state_t = ref(xt, tuple(parts0) if cell == "lstm" else parts0[0])
    loss = (out_t * torch.from_numpy(dout)).sum()
    if final_grad:
        loss = loss + sum((s * torch.from_numpy(d)).sum() for s, d in zip(_parts(state_t), _parts(dstate)))
    loss.backward()

    errors = {"out": _rel(out, out_t.detach()), "dx": _rel(dx, xt.grad)}
    for name, mine, theirs, d_mine, p in zip("hc", _parts(state), _parts(state_t), _parts(dstate0), parts0):
        errors[f"final {name}"] = _rel(mine, theirs.detach())
        errors[f"d{name}0"] = _rel(d_mine, p.grad)
    for name, p in ref.named_parameters():
        errors[name] = _rel(layer.grads[name], p.grad)
    assert max(errors.values()) <= TOL, errors


def test_torch_state_dict_loads_into_ours_and_back(torch_cell, make_layer):
    ref = make_torch(torch_cell, 2, seed=7)
    layer = make_layer(torch_cell, I, H, 2)
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(layer.params[k], v.numpy())
    back = make_torch(torch_cell, 2, seed=8)
    back.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    for k, v in back.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ref.state_dict()[k].numpy())


def test_state_dict_is_a_copy(cell, make_layer):
    layer = make_layer(cell, I, H)
    sd = layer.state_dict()
    sd["weight_hh_l0"][...] = 0
    assert np.any(layer.params["weight_hh_l0"] != 0)


def test_load_state_dict_rejects_wrong_keys_and_shapes(cell, make_layer):
    layer = make_layer(cell, I, H, 2)
    sd = layer.state_dict()
    missing = {k: v for k, v in sd.items() if k != "bias_hh_l1"}
    with pytest.raises(ValueError, match=r"missing keys \['bias_hh_l1'\]"):
        layer.load_state_dict(missing)
    with pytest.raises(ValueError, match=r"unexpected keys \['weight_ih_l2'\]"):
        layer.load_state_dict(dict(sd, weight_ih_l2=sd["weight_ih_l1"]))
    with pytest.raises(ValueError, match=r"weight_hh_l0 expected shape"):
        layer.load_state_dict(dict(sd, weight_hh_l0=sd["weight_hh_l0"][:, :-1]))


def test_float32_layer_agrees_with_torch_float32(torch_cell, make_layer, rng):
    layer = make_layer(torch_cell, I, H, dtype=np.float32)
    cls, kwargs = TORCH[torch_cell]
    ref = cls(I, H, batch_first=True, **kwargs)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((B, T, I)).astype(np.float32)
    out, _ = layer.forward(x)
    assert rel_error(out, ref(torch.from_numpy(x))[0].detach().numpy()) < 1e-4
