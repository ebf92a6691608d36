"""A toy part-of-speech tagging task whose tags need the words to the left.

Sentences follow one pattern, noun phrase, verb, noun phrase:

    [det] [adj] noun  verb  [det] [adj] noun          e.g.  the old fish watch a duck

Some words are nouns or verbs depending on where they stand (``AMBIGUOUS``:
"fish", "duck", "watch", ...): right after the first noun phrase's noun such a
word is the VERB, anywhere else a NOUN. "fish fish fish" is NOUN VERB NOUN.
A model reading left to right can tag every word; one that looks at each word
alone can only guess on the ambiguous ones.

Letters: B batch, T words.
"""

from __future__ import annotations

import numpy as np

TAGS = ("DET", "ADJ", "NOUN", "VERB")
DETS = ("the", "a")
ADJS = ("big", "small", "old", "red", "happy")
NOUNS = ("dogs", "cats", "men", "women", "birds", "boats")
VERBS = ("see", "like", "chase", "bite")
AMBIGUOUS = ("fish", "duck", "watch", "park", "fly")  # noun or verb, by position
VOCAB = ("<pad>",) + DETS + ADJS + NOUNS + VERBS + AMBIGUOUS
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
PAD_TAG = -100  # ignored by nn.softmax_cross_entropy's default ignore_index
MAX_WORDS = 12


def _noun_phrase(rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """[det] [adj] noun: a determiner 60 % of the time, an adjective 40 %."""
    parts = [(DETS, 0)] if rng.random() < 0.6 else []
    parts += [(ADJS, 1)] if rng.random() < 0.4 else []
    parts.append((NOUNS + AMBIGUOUS, 2))
    words = [choices[rng.integers(len(choices))] for choices, _ in parts]
    return words, [tag for _, tag in parts]


def sentence(rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """One sentence: words and tag ids (indices into TAGS)."""
    w1, t1 = _noun_phrase(rng)
    verbs = VERBS + AMBIGUOUS
    w2, t2 = _noun_phrase(rng)
    return w1 + [verbs[rng.integers(len(verbs))]] + w2, t1 + [3] + t2


def pos_batch(rng: np.random.Generator, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """ids int64 (B, T) right-padded with 0 and tags int64 (B, T), PAD_TAG at padding."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"pos task: expected a numpy Generator, got {type(rng).__name__}")
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"pos task: batch must be an integer >= 1, got {batch!r}")
    pairs = [sentence(rng) for _ in range(batch)]
    T = max(len(w) for w, _ in pairs)
    ids = np.zeros((batch, T), dtype=np.int64)
    tags = np.full((batch, T), PAD_TAG, dtype=np.int64)
    for row, (words, t) in enumerate(pairs):
        ids[row, : len(words)] = encode(words)
        tags[row, : len(t)] = t
    return ids, tags


def encode(words: list[str]) -> np.ndarray:
    """Word ids (T,); ValueError naming unknown words and the vocabulary."""
    unknown = [w for w in words if w not in WORD_ID or w == VOCAB[0]]
    if unknown:
        raise ValueError(f"unknown word(s) {', '.join(repr(w) for w in unknown)}; "
                         f"the tagger knows only: {' '.join(VOCAB[1:])}")
    return np.array([WORD_ID[w] for w in words], dtype=np.int64)


def split_words(text: str) -> list[str]:
    """Lower-cased words of a typed sentence; ValueError if empty, too long or unknown."""
    words = "".join(ch if ch.isalpha() or ch.isspace() else " " for ch in text.lower()).split()
    if not 1 <= len(words) <= MAX_WORDS:
        raise ValueError(f"a sentence needs 1 to {MAX_WORDS} words, got {len(words)}")
    encode(words)
    return words
