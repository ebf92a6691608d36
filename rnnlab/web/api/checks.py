"""``POST /api/checks/{check_id}``: grade an answer, keep it, return the feedback.

A plain ``def``: FastAPI runs it in the threadpool, so grading a predict check
(which runs its quick experiment, well under a second) never blocks the event loop.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from rnnlab.lesson import grade
from rnnlab.runtime import predict
from rnnlab.runtime.cache import ResultCache
from rnnlab.store import ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_results, get_store

router = APIRouter(prefix="/api/checks", tags=["checks"])


class Answer(BaseModel):
    """One of the answer formats of ``rnnlab.lesson.grading``: the key the check's kind needs, and only it."""

    model_config = {"extra": "forbid"}

    choice: str | None = Field(None, description="single: an option id")
    choices: list[str] | None = Field(None, description="multiple: option ids")
    value: float | None = Field(None, allow_inf_nan=False, description="numeric: a finite number")
    order: list[str] | None = Field(None, description="ordering: every item id once")
    pairs: dict[str, str] | None = Field(None, description="matching: item id -> target id")


@router.post("/{check_id}")
def answer_check(
    check_id: str,
    body: Answer,
    lesson=Depends(get_lesson),
    learner: str = Depends(get_learner_id),
    store: ProgressStore = Depends(get_store),
    results: ResultCache = Depends(get_results),
) -> dict[str, Any]:
    """Grade with ``rnnlab.lesson.grade``; a malformed answer is a 422 and nothing is stored."""
    answer = body.model_dump(exclude_unset=True)  # the keys the learner sent, as they sent them
    check = lesson.checks.get(check_id)
    if check is None:
        raise HTTPException(404, f"there is no check '{check_id}'")
    try:
        result = grade(check, answer, lambda: predict.measure(check, results=results))  # measured only for a well-formed prediction
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    store.record_answer(learner, check_id, answer, result.correct)
    return result.to_dict()
