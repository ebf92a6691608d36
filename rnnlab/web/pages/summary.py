"""``/summary``: the score per outcome and what to revisit."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson, summarize
from rnnlab.store import ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_store
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/summary", response_class=HTMLResponse)
def summary(request: Request, lesson: Lesson = Depends(get_lesson), store: ProgressStore = Depends(get_store),
            learner: str = Depends(get_learner_id)):
    progress = store.progress(learner)
    answers = {check_id: record.correct for check_id, record in progress.answers.items() if check_id in lesson.checks}
    context = {
        "lesson": lesson, "progress": progress, "active": "summary",
        "scores": summarize(lesson, answers),
        "answered": len(answers), "correct": sum(answers.values()), "total": len(lesson.checks),
    }
    return templates.TemplateResponse(request, "summary.html", context)
