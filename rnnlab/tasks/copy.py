"""The copy-memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016).

The input shows ``n_remember`` symbols, then ``delay`` blanks, then a cue,
then ``n_remember`` more blanks. The target is blank everywhere except the last
``n_remember`` steps, which must repeat the symbols in order:

    ids:    0 blank, 1..K the K symbols, K+1 the cue          (V = K + 2)
    x:      s1 s2 s3 s4 s5  _ _ ... _  cue  _  _  _  _  _
    y:       _  _  _  _  _  _ _ ... _   _  s1 s2 s3 s4 s5

A memoryless model can still learn when to say blank and that the last steps
hold some symbol; it then pays ln K at each of the n_remember recall steps and
nothing elsewhere, so its cross-entropy per step is n_remember ln K / L with
L = 2 n_remember + delay + 1 the sequence length.

Letters: B batch, L sequence length.
"""

from __future__ import annotations

import math

import numpy as np

BLANK = 0


def _check(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"copy task: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def copy_vocab_size(n_symbols: int = 8) -> int:
    """V = K + 2: blank, the K symbols, the cue."""
    return _check("n_symbols", n_symbols, 1) + 2


def copy_length(delay: int, n_remember: int = 5) -> int:
    """L = 2 n_remember + delay + 1."""
    return 2 * _check("n_remember", n_remember, 1) + _check("delay", delay, 0) + 1


def copy_batch(rng: np.random.Generator, batch: int, delay: int, n_remember: int = 5,
               n_symbols: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """x ids (B, L) and y ids (B, L), both int64 in [0, V)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"copy task: expected a numpy Generator, got {type(rng).__name__}")
    batch = _check("batch", batch, 1)
    L = copy_length(delay, n_remember)
    cue = copy_vocab_size(n_symbols) - 1
    symbols = rng.integers(1, n_symbols + 1, size=(batch, n_remember))  # (B, n_remember)
    x = np.full((batch, L), BLANK, dtype=np.int64)  # (B, L)
    y = np.full((batch, L), BLANK, dtype=np.int64)  # (B, L)
    x[:, :n_remember] = symbols
    x[:, n_remember + delay] = cue
    y[:, L - n_remember:] = symbols
    return x, y


def copy_baseline_xent(delay: int, n_remember: int = 5, n_symbols: int = 8) -> float:
    """Cross-entropy per step (nats) of the best memoryless model: n_remember ln K / L."""
    L = copy_length(delay, n_remember)
    return _check("n_remember", n_remember, 1) * math.log(_check("n_symbols", n_symbols, 1)) / L
