import numpy as np
import pytest

from rnnlab.tasks import pos


def test_ambiguous_words_are_verbs_right_after_the_first_noun_and_nouns_elsewhere():
    rng = np.random.default_rng(0)
    for _ in range(300):
        words, tags = pos.sentence(rng)
        verb = tags.index(3)
        assert tags.count(3) == 1 and tags[verb - 1] == 2 and tags[-1] == 2
        for w, t in zip(words, tags):
            if w in pos.AMBIGUOUS:
                assert t in (2, 3)


def test_batches_pad_ids_with_zero_and_tags_with_the_ignored_index():
    ids, tags = pos.pos_batch(np.random.default_rng(1), 16)
    assert ids.shape == tags.shape
    assert np.all((ids == 0) == (tags == pos.PAD_TAG))


def test_split_words_rejects_unknown_and_too_many_words():
    assert pos.split_words("The old fish, watch a duck!") == ["the", "old", "fish", "watch", "a", "duck"]
    for bad in ["", "the cow", "fish " * 13, "<pad>"]:
        with pytest.raises(ValueError):
            pos.split_words(bad)
