"""How long a step's core path takes: computed from its rendered page, not written by hand.

The core path is what a learner meets without opening anything: everything in
a step's body outside its folded "go deeper" sections (``<details>``). Its time is

    visible words / 200 per minute
    + ½ minute per visible check
    + ¾ minute per visible experiment
    + the seconds each visible *training* experiment needs at its defaults to answer

Words are counted the way a reader meets them: every whitespace-separated
token with a letter or digit in it, in the prose, headings, tables and
diagram captions (not inside a diagram's SVG, nor in the placeholders that the
page fills with an experiment or a check). Mathematics counts as words too:
an inline formula as one word, a display equation as ``WORDS_PER_EQUATION_LINE``
words per line, since it is read slowly. ``tests/browser/test_core_path.py`` counts
the same words in chromium, on the page as a learner sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

WORDS_PER_MINUTE = 200
MINUTES_PER_CHECK = 0.5
MINUTES_PER_EXPERIMENT = 0.75
WORDS_PER_EQUATION_LINE = 8  # a display equation is read at about the pace of 8 words a line
WORD = re.compile(r"[^\W_]")  # a letter or a digit


def count_words(text: str) -> int:
    """Tokens between whitespace that hold a letter or a digit ("—" and "|" are not words)."""
    return sum(1 for token in text.split() if WORD.search(token))


def equation_lines(tex: str) -> int:
    """Lines of a display equation: one, plus one per ``\\\\`` line break."""
    return 1 + len(re.findall(r"\\\\", tex))


@dataclass(frozen=True)
class CoreTime:
    """What a step's core path holds, and the minutes that come to."""

    words: int
    checks: tuple[str, ...]
    experiments: tuple[str, ...]
    training_s: float

    @property
    def minutes(self) -> float:
        return (self.words / WORDS_PER_MINUTE + MINUTES_PER_CHECK * len(self.checks)
                + MINUTES_PER_EXPERIMENT * len(self.experiments) + self.training_s / 60)


class _Visible(HTMLParser):
    """Walks a step's HTML, keeping the text, checks and experiments outside ``<details>``.

    Text is joined as a browser lays it out: block elements and table cells
    separate words, inline elements (emphasis, links) do not; an inline formula
    stands as one word, a display equation is set aside and counted by its lines."""

    SKIP = {"svg", "details"}
    INLINE = {"a", "em", "strong", "code", "span", "sub", "sup", "b", "i"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0  # depth inside <details> or <svg>
        self.math: list[str] | None = None  # the TeX of the math element being read
        self.math_kind = ""
        self.math_depth = 0
        self.text: list[str] = []
        self.equation_words = 0
        self.checks: list[str] = []
        self.experiments: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP or self.skip:
            self.skip += tag in self.SKIP
            return
        classes = (attrs.get("class") or "").split()
        if self.math is not None:
            self.math_depth += 1
            return
        if tag not in self.INLINE:
            self.text.append(" ")
        if "math" in classes:
            self.math, self.math_kind, self.math_depth = [], "display" if "display" in classes else "inline", 1
        elif "check" in classes and attrs.get("data-check"):
            self.checks.append(attrs["data-check"])
        elif "experiment" in classes and attrs.get("data-experiment"):
            self.experiments.append(attrs["data-experiment"])

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= tag in self.SKIP
            return
        if self.math is not None:
            self.math_depth -= 1
            if self.math_depth == 0:
                if self.math_kind == "display":
                    self.equation_words += WORDS_PER_EQUATION_LINE * equation_lines("".join(self.math))
                else:
                    self.text.append(" M ")
                self.math = None
            return
        if tag not in self.INLINE:
            self.text.append(" ")

    def handle_data(self, data):
        if self.skip:
            return
        (self.math if self.math is not None else self.text).append(data)

    @property
    def words(self) -> int:
        return count_words("".join(self.text)) + self.equation_words


def core_time(html: str, job_seconds: Mapping[str, float]) -> CoreTime:
    """The core path of a step's rendered body; ``job_seconds`` maps each training
    experiment to its time to answer at its defaults (others take none)."""
    walker = _Visible()
    walker.feed(html)
    walker.close()
    training = sum(job_seconds.get(e, 0.0) for e in walker.experiments)
    return CoreTime(walker.words, tuple(walker.checks), tuple(walker.experiments), training)


def minutes_label(minutes: float) -> str:
    """``2.6`` -> ``"2½"``: minutes to the nearest half, as the page shows them."""
    halves = max(1, round(minutes * 2))
    whole, half = divmod(halves, 2)
    return (str(whole) if whole else "") + ("½" if half else "")
