"""The small corpora the package ships (see data/README.md), and a character vocabulary.

    text = shakespeare()                       # 1,115,394 characters
    vocab = CharVocab.from_text(text)          # 65 characters
    ids = vocab.encode("To be")                # int64 (N,)
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib.resources import files

import numpy as np

SENTIMENT_SOURCES = ("amazon", "imdb", "yelp")
_SENTIMENT_FILES = {"amazon": "amazon_cells_labelled.txt", "imdb": "imdb_labelled.txt",
                    "yelp": "yelp_labelled.txt"}


def _data():
    return files("rnnlab.tasks") / "data"


@lru_cache(maxsize=1)
def shakespeare() -> str:
    """Tiny Shakespeare (karpathy/char-rnn), read from the package's gzipped copy."""
    return gzip.decompress((_data() / "tinyshakespeare.txt.gz").read_bytes()).decode("utf-8")


def sentiment_sentences(sources=SENTIMENT_SOURCES) -> list[tuple[str, int, str]]:
    """UCI Sentiment Labelled Sentences as (sentence, label 0 negative | 1 positive, source),
    in file order, sources in the order given."""
    unknown = [s for s in sources if s not in _SENTIMENT_FILES]
    if unknown:
        raise ValueError(f"sentiment_sentences: unknown sources {unknown}, expected {SENTIMENT_SOURCES}")
    rows = []
    folder = _data() / "sentiment-labelled-sentences"
    for source in sources:
        for line in (folder / _SENTIMENT_FILES[source]).read_text("utf-8").splitlines():
            sentence, label = line.rsplit("\t", 1)
            rows.append((sentence.strip(), int(label), source))
    return rows


class CharVocab:
    """Characters <-> ids. Ids follow the order of ``chars``.

    ``unknown``: a character that stands for every character not in the
    vocabulary (added to it if missing); None makes encode reject them."""

    def __init__(self, chars, unknown: str | None = None):
        chars = list(chars)
        if unknown is not None:
            if not (isinstance(unknown, str) and len(unknown) == 1):
                raise ValueError(f"CharVocab: unknown must be one character, got {unknown!r}")
            if unknown not in chars:
                chars.append(unknown)
        if not chars or any(not (isinstance(c, str) and len(c) == 1) for c in chars):
            raise ValueError("CharVocab: expected a non-empty sequence of single characters")
        if len(set(chars)) != len(chars):
            raise ValueError("CharVocab: characters must be distinct")
        self.chars = chars
        self.unknown = unknown
        self.index = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str, unknown: str | None = None) -> "CharVocab":
        """The sorted distinct characters of ``text``."""
        return cls(sorted(set(text)), unknown=unknown)

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """text -> ids int64 (N,)."""
        missing = sorted(set(text) - self.index.keys())
        if missing and self.unknown is None:
            raise ValueError(
                f"CharVocab.encode: characters not in the vocabulary: {''.join(missing)!r} "
                "(build the vocabulary with unknown=... to map them to one character)"
            )
        unk = self.index.get(self.unknown, -1)
        return np.array([self.index.get(c, unk) for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        """ids int (N,) -> text."""
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu" or ids.ndim != 1:
            raise ValueError(f"CharVocab.decode: expected a 1-D integer array, got {ids.dtype} {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"CharVocab.decode: ids must lie in [0, {len(self)})")
        return "".join(self.chars[i] for i in ids.tolist())
