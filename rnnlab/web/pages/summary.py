"""``/summary``: the score per outcome, what to revisit, and the checks the learner
got wrong, offered again to answer (graded like anywhere else; a right answer
takes a check off the list)."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson, check_states, missed, summarize
from rnnlab.runtime import predict
from rnnlab.store import ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_store
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/summary", response_class=HTMLResponse)
def summary(request: Request, lesson: Lesson = Depends(get_lesson), store: ProgressStore = Depends(get_store),
            learner: str = Depends(get_learner_id)):
    progress = store.progress(learner)
    answers = {check_id: record.correct for check_id, record in progress.answers.items() if check_id in lesson.checks}
    review = missed(lesson, progress.answers)
    context = {
        "lesson": lesson, "progress": progress, "active": "summary",
        "scores": summarize(lesson, answers),
        "answered": len(answers), "correct": sum(answers.values()), "total": len(lesson.checks),
        "review": [lesson.checks[c] for c in review],
        "checks": check_states(lesson, review, learner, {}, predict.measure),  # a fresh try: no answer shown
    }
    return templates.TemplateResponse(request, "summary.html", context)
