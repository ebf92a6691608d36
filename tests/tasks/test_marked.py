import numpy as np
import pytest

from rnnlab.tasks import marked


def test_batch_targets_are_the_symbols_after_the_one_mark_and_the_query_ends_every_string():
    ids, target = marked.marked_batch(np.random.default_rng(0), 64, 12)
    mark, query = marked.ALPHABET.index(marked.MARK), marked.ALPHABET.index(marked.QUERY)
    assert ids.shape == (64, 12) and target.shape == (64,)
    assert np.all(ids[:, -1] == query) and np.all((ids == query).sum(1) == 1)
    assert np.all((ids == mark).sum(1) == 1)
    pos = np.argmax(ids == mark, axis=1)
    assert np.all(ids[np.arange(64), pos + 1] == target) and np.all(target < len(marked.SYMBOLS))


def test_marks_cover_every_allowed_position():
    ids, _ = marked.marked_batch(np.random.default_rng(1), 2000, 6)
    pos = np.argmax(ids == marked.ALPHABET.index(marked.MARK), axis=1)
    assert set(pos.tolist()) == {0, 1, 2, 3}


def test_parse_reads_a_typed_string_and_adds_the_query():
    ids, target = marked.parse(" ab*c d ")
    assert "".join(marked.ALPHABET[i] for i in ids) == "ab*cd?" and marked.SYMBOLS[target] == "c"


@pytest.mark.parametrize("bad", ["", "*a", "ab*", "a*b*c", "xa*b", "a*b?c?", "a*" + "b" * 60])
def test_parse_rejects_malformed_strings(bad):
    with pytest.raises(ValueError):
        marked.parse(bad)


@pytest.mark.parametrize("kw", [dict(batch=0, T=8), dict(batch=2, T=3), dict(batch=2.0, T=8)])
def test_batch_rejects_bad_sizes(kw):
    with pytest.raises(ValueError):
        marked.marked_batch(np.random.default_rng(0), **kw)
