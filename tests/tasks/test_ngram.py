import math

import numpy as np
import pytest

from rnnlab.tasks import ngram
from rnnlab.tasks.corpora import CharVocab, shakespeare


def _brute(ids, split, V, n, alpha, positions=None):
    """The add-alpha estimate written out with dictionaries."""
    positions = range(split, len(ids)) if positions is None else positions
    train = list(ids[:split])
    grams, ctx = {}, {}
    for j in range(n - 1, len(train)):
        g = tuple(train[j - n + 1: j + 1])
        grams[g] = grams.get(g, 0) + 1
        ctx[g[:-1]] = ctx.get(g[:-1], 0) + 1
    total = 0.0
    for j in positions:
        g = tuple(ids[j - n + 1: j + 1])
        total -= math.log((grams.get(g, 0) + alpha) / (ctx.get(g[:-1], 0) + alpha * V))
    return total / len(positions)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counts_match_a_dictionary_count(n):
    rng = np.random.default_rng(n)
    ids = rng.integers(0, 5, size=400) * (rng.random(400) < 0.7)  # skewed, so orders differ
    V = 5
    assert ngram.ngram_loss(ids, 300, V, n, 0.1) == pytest.approx(_brute(list(ids), 300, V, n, 0.1), rel=1e-10)
    some = [300, 311, 312, 313, 377, 399]
    part = ngram.ngram_loss(ids, 300, V, n, 0.1, positions=np.array(some))
    assert part == pytest.approx(_brute(list(ids), 300, V, n, 0.1, some), rel=1e-10)


def test_uniform_is_log_v_and_a_periodic_text_is_nearly_free_for_a_bigram():
    ids = np.tile(np.arange(4), 250)
    b = ngram.baselines(ids, 4, 800)
    assert b["uniform"] == pytest.approx(math.log(4))
    assert b["unigram"] == pytest.approx(math.log(4), abs=1e-3)
    assert b["bigram"] < 0.01 and b["4-gram"] < 0.01


def test_shakespeare_baselines_at_a_90_10_split():
    text = shakespeare()
    vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)
    b = ngram.baselines(ids, len(vocab), int(0.9 * len(ids)))
    assert b["uniform"] == pytest.approx(math.log(65))
    assert b["unigram"] == pytest.approx(3.35, abs=0.01)
    assert b["bigram"] == pytest.approx(2.48, abs=0.01)
    assert b["trigram"] == pytest.approx(2.05, abs=0.01)
    assert b["4-gram"] == pytest.approx(1.78, abs=0.01)


@pytest.mark.parametrize("kwargs, message", [
    ({"split": 0}, "split"), ({"n": 7}, "order"), ({"alpha": 0.0}, "alpha"), ({"V": 3}, r"\[0, 3\)"),
    ({"positions": [5]}, "positions"), ({"positions": [10]}, "positions"), ({"positions": []}, "positions"),
])
def test_bad_arguments_are_refused(kwargs, message):
    args = {"ids": np.arange(10) % 4, "split": 8, "V": 4, "n": 2, "alpha": 0.1} | kwargs
    with pytest.raises(ValueError, match=message):
        ngram.ngram_loss(**args)
