"""What the check widgets of a page need for one learner: each check's public
data, its options in the learner's own order, and the learner's last answer
graded again (a predict check's against the live model's measurement)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .grading import grade
from .models import Check, Lesson


def check_states(lesson: Lesson, check_ids: Iterable[str], learner_id: str, answers: Mapping[str, Any],
                 measure: Callable[[Check], dict]) -> dict[str, dict]:
    """``{check_id: {"check": public data, "previous": {"answer", "grade"} | None}}``.

    ``answers`` maps a check id to the learner's latest record (with ``.answer``);
    ``measure(check)`` gives a predict check's measurement. An answer that no
    longer fits its check (the check changed) is left out rather than shown wrong.
    """
    states = {}
    for check_id in (c for c in check_ids if c in lesson.checks):
        check, record = lesson.checks[check_id], answers.get(check_id)
        previous = None
        if record is not None:
            try:
                result = grade(check, record.answer, lambda: measure(check))
                previous = {"answer": record.answer, "grade": result.to_dict()}
            except (ValueError, LookupError):
                previous = None
        states[check_id] = {"check": check.public(learner_id), "previous": previous}
    return states


def missed(lesson: Lesson, answers: Mapping[str, Any]) -> list[str]:
    """The checks whose latest answer was wrong, in the lesson's order (step, then page order)."""
    return [c for step in lesson.steps for c in step.checks
            if c in answers and not answers[c].correct]
