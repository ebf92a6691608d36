import numpy as np
import pytest

from rnnlab.tasks.adding import adding_baseline_mse, adding_batch


def test_adding_batch_marks_one_value_in_each_half_and_targets_their_sum():
    x, y = adding_batch(np.random.default_rng(0), 64, 50)
    assert x.shape == (64, 50, 2) and y.shape == (64, 1) and x.dtype == np.float32
    markers = x[..., 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :25].sum(axis=1) == 1) and np.all(markers[:, 25:].sum(axis=1) == 1)
    assert np.allclose((x[..., 0] * markers).sum(axis=1), y[:, 0], atol=1e-6)
    assert x[..., 0].min() >= 0 and x[..., 0].max() <= 1


def test_adding_batch_is_reproducible_from_the_generator():
    a = adding_batch(np.random.default_rng(7), 4, 10)
    b = adding_batch(np.random.default_rng(7), 4, 10)
    c = adding_batch(np.random.default_rng(8), 4, 10)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


def test_adding_baseline_mse_is_near_the_variance_of_a_sum_of_two_uniforms():
    baseline = adding_baseline_mse(np.random.default_rng(0), T=50)
    assert abs(baseline - 1 / 6) < 0.01
    assert baseline != adding_baseline_mse(np.random.default_rng(1), T=50)


@pytest.mark.parametrize("batch, T, message", [(0, 10, "batch"), (4, 1, "T"), (4, 2.5, "T")])
def test_adding_batch_rejects_bad_sizes(batch, T, message):
    with pytest.raises(ValueError, match=message):
        adding_batch(np.random.default_rng(0), batch, T)


def test_adding_batch_rejects_a_seed_in_place_of_a_generator():
    with pytest.raises(ValueError, match="Generator"):
        adding_batch(0, 4, 10)
