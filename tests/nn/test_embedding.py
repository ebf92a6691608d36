import numpy as np
import pytest
import torch

from rnnlab import nn


def test_embedding_looks_up_rows_and_inits_standard_normal():
    emb = nn.Embedding(1000, 8, seed=0)
    assert emb.weight.shape == (1000, 8) and emb.weight.dtype == np.float32
    assert abs(emb.weight.mean()) < 0.05 and abs(emb.weight.std() - 1) < 0.05
    ids = np.array([[3, 3, 999], [0, 1, 2]])
    out = emb.forward(ids)
    assert out.shape == (2, 3, 8)
    assert np.array_equal(out[0, 2], emb.weight[999])


def test_embedding_backward_matches_numeric_gradient_with_repeated_ids():
    emb = nn.Embedding(6, 4, dtype=np.float64, seed=2)
    ids = np.array([[1, 1, 5], [0, 1, 5]])
    w_out = np.random.default_rng(0).standard_normal((2, 3, 4))
    loss = lambda: float(np.sum(emb.forward(ids) ** 2 * w_out))
    loss()
    assert emb.backward(2 * emb.forward(ids) * w_out) is None
    report = nn.gradcheck(loss, emb.params, emb.grads)
    assert report.ok, report
    assert not emb.grads["weight"][[2, 3, 4]].any()


def test_embedding_gradient_matches_torch():
    emb = nn.Embedding(6, 4, dtype=np.float64, seed=2)
    ids = np.array([[1, 1, 5], [0, 1, 5]])
    dout = np.random.default_rng(0).standard_normal((2, 3, 4))
    t = torch.nn.Embedding(6, 4).double()
    t.load_state_dict({"weight": torch.from_numpy(emb.weight.copy())})
    t(torch.from_numpy(ids)).backward(torch.from_numpy(dout))
    emb.forward(ids)
    emb.backward(dout)
    assert nn.rel_error(emb.grads["weight"], t.weight.grad.numpy()) < 1e-12


@pytest.mark.parametrize(
    "ids, message",
    [
        (np.array([0, 6]), r"\[0, 6\)"),
        (np.array([-1, 2]), r"\[0, 6\)"),
        (np.array([0.0, 1.0]), "integer"),
        (np.array([True, False]), "integer"),
    ],
)
def test_embedding_rejects_bad_ids(ids, message):
    with pytest.raises(ValueError, match=message):
        nn.Embedding(6, 4).forward(ids)


def test_embedding_rejects_wrong_gradient_shape():
    emb = nn.Embedding(6, 4)
    emb.forward(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        emb.backward(np.ones((2, 5)))


def test_one_hot_is_the_identity_row_of_each_id_and_rejects_ids_out_of_range():
    ids = np.array([[0, 2], [1, 1]])
    x = nn.one_hot(ids, 3)
    assert x.shape == (2, 2, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.argmax(-1), ids)
    np.testing.assert_array_equal(x.sum(-1), 1)
    assert nn.one_hot(ids, 3, np.float64).dtype == np.float64
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 3\)"):
        nn.one_hot(np.array([3]), 3)
