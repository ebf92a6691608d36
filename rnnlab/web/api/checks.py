"""``POST /api/checks/{check_id}``: grade an answer, keep it, return the feedback.

A plain ``def``: FastAPI runs it in the threadpool, so grading a predict check
(which runs its quick experiment, well under a second) never blocks the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException

from rnnlab.lesson import grade, predict
from rnnlab.store import ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_store

router = APIRouter(prefix="/api/checks", tags=["checks"])


@router.post("/{check_id}")
def answer_check(
    check_id: str,
    answer: dict[str, Any] = Body(...),
    lesson=Depends(get_lesson),
    learner: str = Depends(get_learner_id),
    store: ProgressStore = Depends(get_store),
) -> dict[str, Any]:
    """Grade with ``rnnlab.lesson.grade``; a malformed answer is a 422 and nothing is stored."""
    check = lesson.checks.get(check_id)
    if check is None:
        raise HTTPException(404, f"there is no check '{check_id}'")
    try:
        result = grade(check, answer, lambda: predict.measure(check))  # measured only for a well-formed prediction
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    store.record_answer(learner, check_id, answer, result.correct)
    return result.to_dict()
