import numpy as np
import pytest

from rnnlab.tasks.copy import copy_baseline_xent, copy_batch, copy_length, copy_vocab_size


def test_copy_batch_asks_for_the_symbols_back_after_the_cue():
    x, y = copy_batch(np.random.default_rng(0), 16, delay=10, n_remember=5, n_symbols=8)
    L, cue = copy_length(10, 5), copy_vocab_size(8) - 1
    assert x.shape == y.shape == (16, L) == (16, 21) and cue == 9
    assert np.array_equal(y[:, -5:], x[:, :5])
    assert x[:, :5].min() >= 1 and x[:, :5].max() <= 8
    assert np.all(x[:, 15] == cue) and np.all(np.delete(x, [0, 1, 2, 3, 4, 15], axis=1) == 0)
    assert np.all(y[:, :-5] == 0)


def test_copy_baseline_equals_the_cross_entropy_of_the_best_memoryless_guess():
    delay, n, K = 20, 5, 8
    x, y = copy_batch(np.random.default_rng(1), 4000, delay, n, K)
    V = copy_vocab_size(K)
    # the best input-blind model predicts each position's marginal distribution of targets
    counts = np.stack([np.bincount(col, minlength=V) for col in y.T])  # (L, V)
    p = counts / counts.sum(axis=1, keepdims=True)
    empirical = -np.mean(np.log(p[np.arange(y.shape[1]), y]))
    assert abs(copy_baseline_xent(delay, n, K) - empirical) < 0.01
    assert abs(copy_baseline_xent(delay, n, K) - 5 * np.log(8) / 31) < 1e-12


@pytest.mark.parametrize("kwargs, message", [
    ({"batch": 0, "delay": 3}, "batch"),
    ({"batch": 2, "delay": -1}, "delay"),
    ({"batch": 2, "delay": 3, "n_symbols": 0}, "n_symbols"),
])
def test_copy_batch_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        copy_batch(np.random.default_rng(0), **kwargs)
