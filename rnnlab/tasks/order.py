"""Who did what to whom: sentences whose meaning lives in the word order.

Every sentence names two different animals or people and one action, in the
active voice ("the dog bites the man") or the passive ("the man is bitten by
the dog"); each "the" is optional. The questions: who is the agent (the one
who acts) and who is the patient (the one acted on). "dog bites man" and "man
bites dog" hold the same words, so a model that ignores order cannot answer.

A fixed fifth of the (agent, verb, patient) triples is held out for testing
(`split="test"`), so a test sentence describes an event no training sentence did.
The rule is symmetric in agent and patient: "dog bites man" and "man bites dog"
fall in the same split, so within each split both orders of the same words are
equally likely and a model blind to order can do no better than a coin flip.

Letters: B batch, T time (words).
"""

from __future__ import annotations

import numpy as np

NOUNS = ("dog", "man", "cat", "woman", "child", "bird")
VERBS = (("bites", "bitten"), ("chases", "chased"), ("sees", "seen"),
         ("helps", "helped"), ("pushes", "pushed"), ("follows", "followed"))
VOCAB = ("the", "is", "by") + NOUNS + tuple(v for pair in VERBS for v in pair)
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
MAX_WORDS = 12


def is_test_triple(agent: int, verb: int, patient: int) -> bool:
    """The held-out fifth of the triples (a fixed rule, symmetric in agent and patient)."""
    return (agent + patient + 2 * verb) % 5 == 0


def _triples(split: str) -> np.ndarray:
    if split not in ("train", "test"):
        raise ValueError(f"order task: split must be 'train' or 'test', got {split!r}")
    want = split == "test"
    rows = [(a, v, p) for a in range(len(NOUNS)) for v in range(len(VERBS))
            for p in range(len(NOUNS)) if a != p and is_test_triple(a, v, p) == want]
    return np.array(rows)  # (n, 3)


def sentence(agent: int, verb: int, patient: int, passive: bool, articles: tuple[bool, bool]) -> list[str]:
    """The words of one sentence; articles says whether each noun gets "the"."""
    first, second = (patient, agent) if passive else (agent, patient)
    words = (["the"] if articles[0] else []) + [NOUNS[first]]
    words += ["is", VERBS[verb][1], "by"] if passive else [VERBS[verb][0]]
    words += (["the"] if articles[1] else []) + [NOUNS[second]]
    return words


def order_batch(rng: np.random.Generator, batch: int, split: str = "train"
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ids (B, T) int, agent (B,) and patient (B,) as indices into NOUNS.

    All sentences of one batch share a form (voice and articles), so they have
    the same length T (3 to 7 words) and need no padding."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"order_batch: expected a numpy Generator, got {type(rng).__name__}")
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"order_batch: batch must be an integer >= 1, got {batch!r}")
    triples = _triples(split)[rng.integers(0, len(_triples(split)), size=batch)]  # (B, 3)
    passive = bool(rng.integers(0, 2))
    articles = (bool(rng.integers(0, 2)), bool(rng.integers(0, 2)))
    ids = np.array([encode(sentence(a, v, p, passive, articles)) for a, v, p in triples])  # (B, T)
    return ids, triples[:, 0].copy(), triples[:, 2].copy()


def encode(words: list[str]) -> np.ndarray:
    """Word ids (T,); raises ValueError naming unknown words and the vocabulary."""
    unknown = [w for w in words if w not in WORD_ID]
    if unknown:
        raise ValueError(f"unknown word(s) {', '.join(repr(w) for w in unknown)}; "
                         f"the models know only: {' '.join(VOCAB)}")
    return np.array([WORD_ID[w] for w in words], dtype=np.int64)


def split_words(text: str) -> list[str]:
    """Lower-cased words of a typed sentence, without punctuation; ValueError if empty,
    too long or using words outside VOCAB."""
    words = "".join(ch if ch.isalpha() or ch.isspace() else " " for ch in text.lower()).split()
    if not 2 <= len(words) <= MAX_WORDS:
        raise ValueError(f"a sentence needs 2 to {MAX_WORDS} words, got {len(words)}")
    encode(words)
    return words
