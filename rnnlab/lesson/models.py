"""The lesson's data model: plain frozen dataclasses, built by the loader.

Everything here is read-only once loaded (``load_lesson`` caches one
``Lesson`` for the whole process). Prose fields ending in ``_html`` are
already rendered from the Markdown sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .shuffle import learner_order
from .timing import CoreTime, minutes_label

CheckKind = Literal["single", "multiple", "numeric", "ordering", "matching", "predict"]
CHECK_KINDS: tuple[str, ...] = ("single", "multiple", "numeric", "ordering", "matching", "predict")


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
class Prediction:
    """What a predict check runs and how it grades: the experiment at ``params``,
    the named ``measure`` of its result (see ``measures.py``), and either a
    number within ``tolerance`` (``rule`` "factor": within that factor;
    "absolute": within that distance) or one of the check's options.

    The number's feedback texts (``correct_html``, ``low_html``, ``high_html``)
    may hold ``{{prediction}}``, ``{{measured}}`` and the measure's other facts,
    filled in when the answer is graded.
    """

    experiment: str
    params: dict[str, Any]
    measure: str
    answer: Literal["number", "choice"]
    rule: str = ""
    tolerance: float = 0.0
    unit: str = ""
    correct_html: str = ""
    low_html: str = ""
    high_html: str = ""


@dataclass(frozen=True)
class Check:
    """One question. Which fields are used depends on ``kind``:

    - single / multiple: ``options`` (each with ``correct`` and feedback);
    - ordering: ``options`` in the order shown, ``order`` the right order of their ids;
    - matching: ``options`` are the items (each with its ``target``), ``targets`` the buckets;
    - numeric: ``numeric``;
    - predict: ``prediction``, and ``options`` when the prediction is a choice
      (none is marked correct: the live model's measured choice is the right one).
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
    prediction: Prediction | None = None

    def public(self, learner_id: str | None = None) -> dict[str, Any]:
        """What the page needs to render the check, without any answer or feedback.

        With ``learner_id``, options and items come in that learner's own order
        (``shuffle.learner_order``); without it, in the source's order.
        """
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
        if self.kind == "predict":
            data.update(experiment=self.prediction.experiment, predicts=self.prediction.answer,
                        unit=self.prediction.unit)
            if self.prediction.answer == "number":
                return data
        options = {o.id: o for o in self.options}
        order = list(options)
        if learner_id is not None:
            order = learner_order(learner_id, self.id, order, avoid=self.order)
        key = "items" if self.kind in ("ordering", "matching") else "options"
        data[key] = [{"id": i, "html": options[i].html} for i in order]
        if self.kind == "matching":
            data["targets"] = [{"id": t.id, "html": t.html} for t in self.targets]
        return data


@dataclass(frozen=True)
class Step:
    """One page of the lesson; ``html`` is the rendered body with directives
    turned into placeholders (see render.py), ``deeper`` the titles of its
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
    code: tuple[str, ...] = ()  # engine functions shown, "rnnlab.nn.rnn:rnn_step_forward"

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



@dataclass(frozen=True)
class Grade:
    """The result of grading one answer; ``feedback`` has one dict per option,
    item or (numeric) value, each with ``ok`` and ``html``."""

    correct: bool
    score: float
    feedback: list[dict[str, Any]]
    explanation_html: str
    measured: dict[str, Any] | None = None  # predict checks: {"value", "text", "params"} from the live model

    def to_dict(self) -> dict[str, Any]:
        data = {
            "correct": self.correct,
            "score": self.score,
            "feedback": self.feedback,
            "explanation_html": self.explanation_html,
        }
        if self.measured is not None:
            data["measured"] = self.measured
        return data
