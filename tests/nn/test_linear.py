import numpy as np
import pytest
import torch

from rnnlab import nn


def make(dtype=np.float64, in_features=5, out_features=3):
    return nn.Linear(in_features, out_features, dtype=dtype, seed=1)


def test_linear_has_torch_shapes_and_default_init_range():
    layer = nn.Linear(20, 7)
    assert layer.weight.shape == (7, 20) and layer.bias.shape == (7,)
    assert layer.weight.dtype == np.float32
    k = 1 / np.sqrt(20)
    assert np.abs(layer.weight).max() <= k and np.abs(layer.bias).max() <= k
    assert np.abs(layer.weight).max() > 0.8 * k
    assert sorted(layer.params) == ["bias", "weight"]


def test_linear_backward_matches_numeric_gradient():
    layer = make()
    x = np.random.default_rng(0).standard_normal((2, 4, 5))
    w_out = np.random.default_rng(1).standard_normal((2, 4, 3))
    loss = lambda: float(np.sum(layer.forward(x) * w_out))
    loss()
    layer.zero_grad()
    dx = layer.backward(w_out)
    report = nn.gradcheck(loss, {"x": x, **layer.params}, {"x": dx, **layer.grads})
    assert report.ok, report


def test_linear_matches_torch_forward_and_gradients():
    layer = make()
    x = np.random.default_rng(0).standard_normal((6, 5))
    dy = np.random.default_rng(1).standard_normal((6, 3))
    t = torch.nn.Linear(5, 3).double()
    t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in layer.state_dict().items()})
    xt = torch.from_numpy(x).requires_grad_()
    yt = t(xt)
    yt.backward(torch.from_numpy(dy))
    y = layer.forward(x)
    dx = layer.backward(dy)
    assert nn.rel_error(y, yt.detach().numpy()) < 1e-12
    assert nn.rel_error(dx, xt.grad.numpy()) < 1e-12
    assert nn.rel_error(layer.grads["weight"], t.weight.grad.numpy()) < 1e-12
    assert nn.rel_error(layer.grads["bias"], t.bias.grad.numpy()) < 1e-12


def test_linear_backward_adds_into_grads():
    layer = make()
    x = np.ones((2, 5))
    layer.forward(x)
    layer.backward(np.ones((2, 3)))
    first = layer.grads["weight"].copy()
    layer.backward(np.ones((2, 3)))
    assert np.allclose(layer.grads["weight"], 2 * first)
    layer.zero_grad()
    assert not layer.grads["weight"].any()


@pytest.mark.parametrize(
    "x, message",
    [
        (np.ones((2, 4)), "last dimension 5"),
        (np.full((2, 5), np.nan), "NaN"),
        (np.array(["a"] * 5), "float"),
    ],
)
def test_linear_rejects_bad_input(x, message):
    with pytest.raises(ValueError, match=message):
        make().forward(x)


def test_linear_rejects_backward_before_forward_and_wrong_dy_shape():
    layer = make()
    with pytest.raises(ValueError, match="forward first"):
        layer.backward(np.ones((2, 3)))
    layer.forward(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        layer.backward(np.ones((2, 4)))


def test_linear_rejects_bad_sizes():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 3)


def test_linear_and_embedding_reject_non_float_dtypes():
    with pytest.raises(ValueError, match="float32 or float64"):
        nn.Linear(2, 3, dtype=np.int32)
    with pytest.raises(ValueError, match="float32 or float64"):
        nn.Embedding(2, 3, dtype=np.int64)
