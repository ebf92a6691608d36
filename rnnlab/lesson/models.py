"""The lesson's data model: plain frozen dataclasses, built by the loader.

Everything here is read-only once loaded (``load_lesson`` caches one
``Lesson`` for the whole process). Prose fields ending in ``_html`` are
already rendered from the Markdown sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .timing import CoreTime, minutes_label

CheckKind = Literal["single", "multiple", "numeric", "ordering", "matching"]
CHECK_KINDS: tuple[str, ...] = ("single", "multiple", "numeric", "ordering", "matching")


class LessonError(Exception):
    """The lesson sources are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the lesson:\n{lines}")


@dataclass(frozen=True)
class Outcome:
    """One of the brief's four "What You'll Discover" promises."""

    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Concept:
    """One of the brief's six key concepts; ``slug`` is its glossary anchor."""

    term: str
    text: str
    slug: str


@dataclass(frozen=True)
class Term:
    """A glossary entry; ``concept`` is true for the six key concepts."""

    slug: str
    term: str
    html: str
    concept: bool = False


@dataclass(frozen=True)
class Option:
    """A choice (single/multiple), an item to put in order (ordering) or an
    item to match (matching, where ``target`` is the right target's id)."""

    id: str
    html: str
    feedback_html: str
    correct: bool = False
    target: str | None = None


@dataclass(frozen=True)
class Target:
    """A bucket an item of a matching check can be dropped into."""

    id: str
    html: str


@dataclass(frozen=True)
class NumericAnswer:
    """The right value of a numeric check, with its tolerance and the
    feedback for an answer that is right, too low or too high."""

    value: float
    tolerance: float
    unit: str
    correct_html: str
    low_html: str
    high_html: str


@dataclass(frozen=True)
class Check:
    """One question. Which fields are used depends on ``kind``:

    - single / multiple: ``options`` (each with ``correct`` and feedback);
    - ordering: ``options`` in the order shown, ``order`` the right order of their ids;
    - matching: ``options`` are the items (each with its ``target``), ``targets`` the buckets;
    - numeric: ``numeric``.
    """

    id: str
    step: int
    outcome: str
    kind: CheckKind
    prompt_html: str
    explanation_html: str
    options: tuple[Option, ...] = ()
    targets: tuple[Target, ...] = ()
    order: tuple[str, ...] = ()
    numeric: NumericAnswer | None = None

    def public(self) -> dict[str, Any]:
        """What the page needs to render the check, without any answer or feedback."""
        data: dict[str, Any] = {
            "id": self.id,
            "step": self.step,
            "outcome": self.outcome,
            "kind": self.kind,
            "prompt_html": self.prompt_html,
        }
        if self.kind == "numeric":
            data["unit"] = self.numeric.unit if self.numeric else ""
            return data
        key = "items" if self.kind in ("ordering", "matching") else "options"
        data[key] = [{"id": o.id, "html": o.html} for o in self.options]
        if self.kind == "matching":
            data["targets"] = [{"id": t.id, "html": t.html} for t in self.targets]
        return data


@dataclass(frozen=True)
class Step:
    """One page of the lesson; ``html`` is the rendered body with directives
    turned into placeholders (see lesson_api.md), ``deeper`` the titles of its
    folded "go deeper" sections, ``core`` what its core path holds (timing.py)."""

    number: int
    slug: str
    title: str
    summary: str
    outcomes: tuple[str, ...]
    html: str
    checks: tuple[str, ...]
    experiments: tuple[str, ...]
    diagrams: tuple[str, ...]
    core: CoreTime
    deeper: tuple[str, ...] = ()

    @property
    def minutes(self) -> float:
        """The core path's minutes to the nearest half: what the page says, and what adds up."""
        return max(1, round(self.core.minutes * 2)) / 2

    @property
    def minutes_label(self) -> str:
        """``"2½"``: the minutes as the page shows them."""
        return minutes_label(self.core.minutes)


@dataclass(frozen=True)
class Lesson:
    title: str
    subtitle: str
    difficulty: str
    duration: str
    prerequisites: tuple[str, ...]
    outcomes_intro: str
    outcomes: tuple[Outcome, ...]
    concepts: tuple[Concept, ...]
    steps: tuple[Step, ...]
    checks: dict[str, Check] = field(default_factory=dict)
    glossary: tuple[Term, ...] = ()

    @property
    def minutes(self) -> float:
        """The core path of the whole lesson: the sum of the steps' labels."""
        return sum(s.minutes for s in self.steps)

    def step(self, number: int) -> Step:
        """The step numbered ``number`` (1-based); KeyError if there is none."""
        for s in self.steps:
            if s.number == number:
                return s
        raise KeyError(f"no step {number!r}: the lesson has steps 1 to {len(self.steps)}")

    def outcome(self, outcome_id: str) -> Outcome:
        for o in self.outcomes:
            if o.id == outcome_id:
                return o
        raise KeyError(f"no outcome {outcome_id!r}")

    def term(self, slug: str) -> Term:
        for t in self.glossary:
            if t.slug == slug:
                return t
        raise KeyError(f"no glossary term {slug!r}")


@dataclass(frozen=True)
class Grade:
    """The result of grading one answer; ``feedback`` has one dict per option,
    item or (numeric) value, each with ``ok`` and ``html``."""

    correct: bool
    score: float
    feedback: list[dict[str, Any]]
    explanation_html: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "correct": self.correct,
            "score": self.score,
            "feedback": self.feedback,
            "explanation_html": self.explanation_html,
        }
