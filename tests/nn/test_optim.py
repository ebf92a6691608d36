import numpy as np
import pytest
import torch

from rnnlab import nn


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {"W": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}


def run_both(make_ours, make_torch, steps=5):
    """Step ours and torch's optimizer on identical float64 arrays with the same gradients."""
    params = arrays(0)
    tparams = {k: torch.from_numpy(v.copy()).requires_grad_() for k, v in params.items()}
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    ours, theirs = make_ours(params, grads), make_torch(list(tparams.values()))
    for step in range(steps):
        for k, g in arrays(100 + step).items():
            grads[k][...] = g
            tparams[k].grad = torch.from_numpy(g.copy())
        ours.step()
        theirs.step()
    return params, {k: v.detach().numpy() for k, v in tparams.items()}


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.01)])
def test_sgd_matches_torch_over_several_steps(momentum, weight_decay):
    ours, theirs = run_both(
        lambda p, g: nn.SGD(p, g, lr=0.1, momentum=momentum, weight_decay=weight_decay),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum, weight_decay=weight_decay),
    )
    for k in ours:
        assert nn.rel_error(ours[k], theirs[k]) < 1e-13, k


@pytest.mark.parametrize("betas, weight_decay", [((0.9, 0.999), 0.0), ((0.5, 0.9), 0.1)])
def test_adam_matches_torch_over_several_steps(betas, weight_decay):
    ours, theirs = run_both(
        lambda p, g: nn.Adam(p, g, lr=0.01, betas=betas, weight_decay=weight_decay),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=betas, weight_decay=weight_decay),
        steps=8,
    )
    for k in ours:
        assert nn.rel_error(ours[k], theirs[k]) < 1e-13, k


def test_optimizer_updates_module_params_in_place():
    layer = nn.Linear(3, 2, dtype=np.float64)
    weight = layer.weight
    before = weight.copy()
    opt = nn.SGD(layer.params, layer.grads, lr=1.0)
    layer.forward(np.ones((1, 3)))
    layer.backward(np.ones((1, 2)))
    opt.step()
    assert layer.weight is weight and np.allclose(weight, before - 1.0)
    opt.zero_grad()
    assert not layer.grads["weight"].any()


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(max_norm):
    grads = arrays(3)
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tparams, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    expected = torch.nn.utils.clip_grad_norm_(tparams, max_norm).item()
    norm = nn.clip_grad_norm(grads, max_norm)
    assert abs(norm - expected) < 1e-12
    assert abs(norm - np.sqrt(sum((g**2).sum() for g in arrays(3).values()))) < 1e-12
    for t, g in zip(tparams, grads.values()):
        assert nn.rel_error(g, t.grad.numpy()) < 1e-13
    clipped = np.sqrt(sum((g**2).sum() for g in grads.values()))
    assert clipped <= max_norm + 1e-9 and (max_norm < norm) == (clipped < norm)


def test_optimizers_reject_bad_arguments():
    p, g = arrays(0), arrays(1)
    with pytest.raises(ValueError, match="lr"):
        nn.SGD(p, g, lr=-1)
    with pytest.raises(ValueError, match="betas"):
        nn.Adam(p, g, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="same keys"):
        nn.Adam(p, {"W": g["W"]})
    with pytest.raises(ValueError, match="shape"):
        nn.SGD(p, {"W": g["W"], "b": np.zeros(4)}, lr=0.1)
    with pytest.raises(ValueError, match="max_norm"):
        nn.clip_grad_norm(g, 0.0)
