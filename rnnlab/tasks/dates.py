"""Dates written out -> ISO 8601: a toy translation task for the encoder-decoder.

    "14 March 2021", "March 14, 2021", "14 Mar 2021", "Sunday, 14 March 2021",
    "the 14th of March 2021", "14.03.2021", ...   ->   "2021-03-14"

Every source is one of ``FORMS`` applied to a date between 1900-01-01 and
2099-12-31. A fixed, seeded tenth of those days is held out (``split="test"``):
no form of a test day is ever a training example, so test accuracy measures
generalisation to dates the model never read.

Every source is padded on the LEFT with PAD (id 0) to the same SOURCE_LEN
characters, in training, evaluation and decoding alike: the encoder's last
step is then a real character (what ``nn.Seq2Seq`` expects), and it has read
the same number of PADs before a text of a given length whether that text
came alone or in a batch. (A model trained on batches padded to their longest
text, then fed one unpadded text, misread about 40 % of held-out dates.)
Targets are the 10 ISO characters followed by EOS; the decoder reads BOS first.

Letters: B batch, S source length (characters), T target length (11).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np

from rnnlab.tasks.corpora import CharVocab

FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
N_DAYS = (LAST - FIRST).days + 1
TEST_FRACTION = 0.1
SPLIT_SEED = 20210314  # fixes which days are held out, for every run

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(d: int) -> str:
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


FORMS = {  # name -> how a date is written
    "day month year": lambda t: f"{t.day} {MONTHS[t.month - 1]} {t.year}",
    "month day, year": lambda t: f"{MONTHS[t.month - 1]} {t.day}, {t.year}",
    "day mon year": lambda t: f"{t.day} {MONTHS[t.month - 1][:3]} {t.year}",
    "mon day, year": lambda t: f"{MONTHS[t.month - 1][:3]} {t.day}, {t.year}",
    "weekday, day month year": lambda t: f"{WEEKDAYS[t.weekday()]}, {t.day} {MONTHS[t.month - 1]} {t.year}",
    "weekday month day year": lambda t: f"{WEEKDAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day} {t.year}",
    "the nth of month year": lambda t: f"the {_ordinal(t.day)} of {MONTHS[t.month - 1]} {t.year}",
    "dd.mm.yyyy": lambda t: f"{t.day:02d}.{t.month:02d}.{t.year}",
    "lowercase day month year": lambda t: f"{t.day} {MONTHS[t.month - 1].lower()} {t.year}",
}
FORM_NAMES = tuple(FORMS)

PAD, UNKNOWN = "\0", "?"
SRC_VOCAB = CharVocab([PAD, *" ,.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"], unknown=UNKNOWN)
BOS, EOS = "^", "$"
TGT_VOCAB = CharVocab([BOS, EOS, "-", *"0123456789"])
BOS_ID, EOS_ID = TGT_VOCAB.index[BOS], TGT_VOCAB.index[EOS]
TARGET_LEN = 11  # "YYYY-MM-DD" + EOS
SOURCE_LEN = 40  # every source is left-padded to this many characters (the longest form writes 28)
MAX_SOURCE_LEN = SOURCE_LEN  # the longest text a learner may type


def written(date: dt.date, form: str) -> str:
    """``date`` written in the named form."""
    if form not in FORMS:
        raise ValueError(f"dates: unknown form {form!r}, expected one of {FORM_NAMES}")
    return FORMS[form](date)


def iso(date: dt.date) -> str:
    return date.isoformat()


@lru_cache(maxsize=1)
def _test_days() -> np.ndarray:
    """bool (N_DAYS,): True for the held-out days."""
    order = np.random.default_rng(SPLIT_SEED).permutation(N_DAYS)
    held = np.zeros(N_DAYS, dtype=bool)
    held[order[: int(TEST_FRACTION * N_DAYS)]] = True
    return held


def is_test_date(date: dt.date) -> bool:
    return bool(_test_days()[(date - FIRST).days])


def sample_pairs(rng: np.random.Generator, n: int, split: str = "train",
                 forms: tuple[str, ...] = FORM_NAMES) -> tuple[list[str], list[str]]:
    """n (source, target) pairs from one split: a random day of the split, a random form each."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"sample_pairs: expected a numpy Generator, got {type(rng).__name__}")
    if split not in ("train", "test"):
        raise ValueError(f"sample_pairs: split must be 'train' or 'test', got {split!r}")
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"sample_pairs: n must be a positive int, got {n!r}")
    unknown = [f for f in forms if f not in FORMS]
    if unknown or not forms:
        raise ValueError(f"sample_pairs: forms must be a non-empty subset of {FORM_NAMES}, got {forms!r}")
    days = np.flatnonzero(_test_days() == (split == "test"))
    picked = rng.choice(days, size=n)
    which = rng.integers(0, len(forms), size=n)
    dates = [FIRST + dt.timedelta(days=int(d)) for d in picked]
    return [written(d, forms[f]) for d, f in zip(dates, which)], [iso(d) for d in dates]


def encode_sources(sources: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Texts -> (ids int64 (B, SOURCE_LEN) padded on the left with PAD, mask bool (B, SOURCE_LEN) True
    at characters). Characters outside the alphabet (and PAD itself) become UNKNOWN."""
    if not sources or any(not s for s in sources):
        raise ValueError("encode_sources: expected non-empty texts")
    longest = max(len(s) for s in sources)
    if longest > MAX_SOURCE_LEN:
        raise ValueError(f"encode_sources: texts may be at most {MAX_SOURCE_LEN} characters, got {longest}")
    ids = np.zeros((len(sources), SOURCE_LEN), dtype=np.int64)  # (B, S), PAD = 0
    for row, s in enumerate(sources):
        ids[row, SOURCE_LEN - len(s):] = SRC_VOCAB.encode(s.replace(PAD, UNKNOWN))
    return ids, ids != 0


MONTH_WORD = re.compile(r"\b(" + "|".join(m[:3] for m in MONTHS) + r")[a-z]*", re.IGNORECASE)
DAY_NUMBER = re.compile(r"(?<!\d)\d{1,2}(?!\d)")
NUMERIC = re.compile(r"\d\d\.\d\d\.\d{4}")


def field_spans(source: str) -> dict[str, tuple[int, int]]:
    """Where a written date (one of FORMS) writes each field: {"day" | "month" | "year": (start, end)}
    character offsets into ``source``; ValueError if ``source`` is not in one of the FORMS."""
    if NUMERIC.fullmatch(source):
        return {"day": (0, 2), "month": (3, 5), "year": (6, 10)}
    month, day = MONTH_WORD.search(source), DAY_NUMBER.search(source)
    if month is None or day is None or not source[-4:].isdigit():
        raise ValueError(f"field_spans: {source!r} is not a date in one of the forms {FORM_NAMES}")
    return {"day": day.span(), "month": month.span(), "year": (len(source) - 4, len(source))}


def encode_targets(targets: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """ISO dates -> (decoder input: BOS + text (B, 11), decoder target: text + EOS (B, 11))."""
    if any(len(t) != TARGET_LEN - 1 for t in targets):
        raise ValueError("encode_targets: expected ISO dates of 10 characters")
    ids = np.stack([TGT_VOCAB.encode(t) for t in targets])  # (B, 10)
    B = len(targets)
    tgt_in = np.concatenate([np.full((B, 1), BOS_ID), ids], axis=1)  # (B, 11)
    tgt_out = np.concatenate([ids, np.full((B, 1), EOS_ID)], axis=1)  # (B, 11)
    return tgt_in, tgt_out


def decode_target(ids) -> str:
    """Decoder output ids (T,) -> text up to (not including) the first EOS."""
    ids = [int(i) for i in ids]
    if EOS_ID in ids:
        ids = ids[: ids.index(EOS_ID)]
    return TGT_VOCAB.decode(np.array(ids, dtype=np.int64))
