"""Remember the marked symbol: a memory task whose memory you can watch.

A string of symbols from ``SYMBOLS`` holds one mark ``*``; the symbol right
after the mark is the one to remember. The string ends with the query ``?``,
where the model must name the marked symbol. Every other symbol is a
distractor to be ignored, so a model must store one symbol at one step and
hold it, unchanged, until the query:

    c a * b d d a c b a ... c ?      ->  b

Letters: B batch, T time (characters, the query included).
"""

from __future__ import annotations

import numpy as np

SYMBOLS = "abcd"
MARK = "*"
QUERY = "?"
ALPHABET = SYMBOLS + MARK + QUERY  # ids 0..3 symbols, 4 the mark, 5 the query
MIN_LEN = 4  # "*a?" needs one more step to be a memory task at all: "*ab?"
MAX_LEN = 48


def _int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"marked task: {name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def marked_batch(rng: np.random.Generator, batch: int, T: int) -> tuple[np.ndarray, np.ndarray]:
    """ids int64 (B, T) and targets int64 (B,) in [0, len(SYMBOLS)).

    The mark sits at a uniformly drawn step in [0, T - 3], its symbol right
    after it; the query is the last step; every other step is a random symbol."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"marked task: expected a numpy Generator, got {type(rng).__name__}")
    batch = _int("batch", batch, 1, 1 << 20)
    T = _int("T", T, MIN_LEN, 1 << 16)
    K = len(SYMBOLS)
    ids = rng.integers(0, K, size=(batch, T))  # (B, T) distractors
    mark = rng.integers(0, T - 2, size=batch)  # (B,)
    rows = np.arange(batch)
    ids[rows, mark] = ALPHABET.index(MARK)
    ids[:, -1] = ALPHABET.index(QUERY)
    return ids.astype(np.int64), ids[rows, mark + 1].astype(np.int64)


def parse(text: str) -> tuple[np.ndarray, int]:
    """A typed string -> (ids (T,), the target symbol's id); ValueError saying what is wrong.

    A missing final query is added."""
    text = text.strip().replace(" ", "")
    if not text.endswith(QUERY):
        text += QUERY
    bad = sorted(set(text) - set(ALPHABET))
    if bad:
        raise ValueError(f"use only the symbols {SYMBOLS}, one mark {MARK} and the query {QUERY} at the end; "
                         f"got {''.join(bad)!r}")
    if not MIN_LEN <= len(text) <= MAX_LEN:
        raise ValueError(f"a sequence needs {MIN_LEN} to {MAX_LEN} characters with the final {QUERY}, "
                         f"got {len(text)}")
    if text.count(MARK) != 1 or text.count(QUERY) != 1:
        raise ValueError(f"a sequence needs exactly one mark {MARK} and one query {QUERY} (at the end), "
                         f"got {text.count(MARK)} and {text.count(QUERY)}")
    m = text.index(MARK)
    if text[m + 1] not in SYMBOLS:
        raise ValueError(f"the mark {MARK} must be followed by a symbol to remember ({SYMBOLS})")
    ids = np.array([ALPHABET.index(ch) for ch in text], dtype=np.int64)
    return ids, SYMBOLS.index(text[m + 1])
