import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlab import nn


def test_softmax_cross_entropy_matches_torch_with_ignore_index():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 5, 7)) * 3
    targets = rng.integers(0, 7, size=(2, 5))
    targets[0, :2] = -100
    loss, dlogits = nn.softmax_cross_entropy(logits, targets)
    lt = torch.from_numpy(logits).requires_grad_()
    expected = F.cross_entropy(lt.reshape(-1, 7), torch.from_numpy(targets).reshape(-1))
    expected.backward()
    assert abs(loss - expected.item()) < 1e-12
    assert nn.rel_error(dlogits, lt.grad.numpy()) < 1e-12
    assert not dlogits[0, :2].any()


def test_softmax_cross_entropy_backward_matches_numeric_gradient():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 4))
    targets = np.array([0, 3, -1, 2, 2, -1])
    f = lambda: nn.softmax_cross_entropy(logits, targets, ignore_index=-1)[0]
    _, dlogits = nn.softmax_cross_entropy(logits, targets, ignore_index=-1)
    report = nn.gradcheck(f, {"logits": logits}, {"logits": dlogits})
    assert report.ok, report


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4]], dtype=np.float32)
    loss, dlogits = nn.softmax_cross_entropy(logits, np.array([1]))
    assert np.isfinite(loss) and abs(loss - 1e4) < 1
    assert np.all(np.isfinite(dlogits)) and dlogits.dtype == np.float32


def test_softmax_cross_entropy_with_every_target_ignored_is_zero():
    loss, dlogits = nn.softmax_cross_entropy(np.ones((3, 4)), np.full(3, -100))
    assert loss == 0.0 and not dlogits.any()


@pytest.mark.parametrize(
    "logits, targets, message",
    [
        (np.ones((3, 4)), np.array([0, 1]), "targets shape"),
        (np.ones((3, 4)), np.array([0, 1, 4]), r"\[0, 4\)"),
        (np.ones((3, 4)), np.array([0.0, 1.0, 2.0]), "integer"),
        (np.ones(4), np.array(1), "rank"),
        (np.full((3, 4), np.nan), np.array([0, 1, 2]), "NaN"),
    ],
)
def test_softmax_cross_entropy_rejects_bad_input(logits, targets, message):
    with pytest.raises(ValueError, match=message):
        nn.softmax_cross_entropy(logits, targets)


def test_mse_matches_torch_and_numeric_gradient():
    rng = np.random.default_rng(2)
    pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    loss, dpred = nn.mse(pred, target)
    pt = torch.from_numpy(pred).requires_grad_()
    expected = F.mse_loss(pt, torch.from_numpy(target))
    expected.backward()
    assert abs(loss - expected.item()) < 1e-12
    assert nn.rel_error(dpred, pt.grad.numpy()) < 1e-12
    report = nn.gradcheck(lambda: nn.mse(pred, target)[0], {"pred": pred}, {"pred": dpred})
    assert report.ok, report


def test_mse_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\)"):
        nn.mse(np.ones((4, 1)), np.ones(4))
