import numpy as np
import pytest

from rnnlab.tasks.corpora import CharVocab, sentiment_sentences, shakespeare


def test_shakespeare_is_the_full_tiny_shakespeare():
    text = shakespeare()
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert text.startswith("First Citizen:")


def test_sentiment_sentences_are_balanced_per_source():
    rows = sentiment_sentences()
    assert len(rows) == 3000
    for source in ("amazon", "imdb", "yelp"):
        labels = [label for _, label, s in rows if s == source]
        assert len(labels) == 1000 and sum(labels) == 500
    assert all(sentence and "\t" not in sentence for sentence, _, _ in rows)
    assert len(sentiment_sentences(["yelp"])) == 1000


def test_sentiment_sentences_rejects_unknown_source():
    with pytest.raises(ValueError, match="twitter"):
        sentiment_sentences(["twitter"])


def test_char_vocab_round_trips_text():
    vocab = CharVocab.from_text("hello world")
    ids = vocab.encode("hold")
    assert ids.dtype == np.int64 and len(vocab) == 8
    assert vocab.decode(ids) == "hold"


def test_char_vocab_maps_unknown_characters_or_rejects_them():
    strict = CharVocab.from_text("abc")
    with pytest.raises(ValueError, match="'xz'"):
        strict.encode("axbz")
    lenient = CharVocab.from_text("abc", unknown="?")
    assert len(lenient) == 4
    assert lenient.decode(lenient.encode("axbz")) == "a?b?"


def test_char_vocab_rejects_bad_ids():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        CharVocab("abc").decode(np.array([0, 3]))
