"""``/``: the lesson's overview, with Start or Resume (and the missed checks to review),
and the class the learner joined, with a way to leave it."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson, missed
from rnnlab.store import ClassStore, ProgressStore
from rnnlab.web.deps import get_classes, get_learner_id, get_lesson, get_store
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lesson: Lesson = Depends(get_lesson), store: ProgressStore = Depends(get_store),
         classes: ClassStore = Depends(get_classes), learner: str = Depends(get_learner_id)):
    progress = store.progress(learner)
    resume = lesson.step(progress.last_step) if progress.last_step in {s.number for s in lesson.steps} else None
    context = {"lesson": lesson, "progress": progress, "resume": resume, "active": "home",
               "missed": len(missed(lesson, progress.answers)), "member": classes.membership(learner)}
    return templates.TemplateResponse(request, "home.html", context)
