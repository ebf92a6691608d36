"""Score a learner's answers per outcome, and say which steps to revisit."""

from __future__ import annotations

from collections.abc import Mapping

from .models import Lesson


def summarize(lesson: Lesson, answers: Mapping[str, bool]) -> list[dict]:
    """One dict per outcome, in the lesson's order::

        {"outcome": id, "title": str, "correct": n, "answered": n, "total": n, "revisit": [step numbers]}

    ``answers`` maps check ids to whether the answer was right; a check with no
    answer counts as not yet right, and its step is listed in ``revisit``.
    Answers to ids the lesson no longer has are ignored.
    """
    summary = []
    for outcome in lesson.outcomes:
        checks = [c for c in lesson.checks.values() if c.outcome == outcome.id]
        right = [c for c in checks if answers.get(c.id) is True]
        summary.append({
            "outcome": outcome.id,
            "title": outcome.title,
            "correct": len(right),
            "answered": sum(c.id in answers for c in checks),
            "total": len(checks),
            "revisit": sorted({c.step for c in checks if answers.get(c.id) is not True}),
        })
    return summary
