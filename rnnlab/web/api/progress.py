"""The learner's progress: ``GET /api/progress``; ``POST /api/progress/visit|complete|reset``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from rnnlab.store import Progress, ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_store

router = APIRouter(prefix="/api/progress", tags=["progress"])


class StepBody(BaseModel):
    step: Annotated[int, Field(strict=True, description="a step number of the lesson")]


class ResetBody(BaseModel):
    confirm: Annotated[bool, Field(strict=True, description="must be true: resetting cannot be undone")]


def progress_json(progress: Progress) -> dict[str, Any]:
    return {
        "visited": sorted(progress.visited),
        "completed": sorted(progress.completed),
        "answers": {
            check_id: {"answer": record.answer, "correct": record.correct, "at": record.at.isoformat()}
            for check_id, record in progress.answers.items()
        },
        "last_step": progress.last_step,
    }


async def known_step(body: StepBody, lesson=Depends(get_lesson)) -> int:
    """The step number from the body; 404 if the lesson has no such step."""
    numbers = [step.number for step in lesson.steps]
    if body.step not in numbers:
        raise HTTPException(404, f"there is no step {body.step} (the lesson has steps {min(numbers)}–{max(numbers)})")
    return body.step


@router.get("")
def get_progress(learner: str = Depends(get_learner_id), store: ProgressStore = Depends(get_store)) -> dict:
    return progress_json(store.progress(learner))


@router.post("/visit")
def visit(step: int = Depends(known_step), learner: str = Depends(get_learner_id),
          store: ProgressStore = Depends(get_store)) -> dict:
    store.visit(learner, step)
    return progress_json(store.progress(learner))


@router.post("/complete")
def complete(step: int = Depends(known_step), learner: str = Depends(get_learner_id),
             store: ProgressStore = Depends(get_store)) -> dict:
    store.complete(learner, step)
    return progress_json(store.progress(learner))


@router.post("/reset")
def reset(body: ResetBody, learner: str = Depends(get_learner_id), store: ProgressStore = Depends(get_store)) -> dict:
    if not body.confirm:
        raise HTTPException(422, "confirm: must be true to reset your progress (it cannot be undone)")
    store.reset(learner)
    return progress_json(store.progress(learner))
