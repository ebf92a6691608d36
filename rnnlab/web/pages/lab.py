"""``/lab``: train a character model (the ``char-lm`` experiment) on Shakespeare or the learner's text."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.experiments import char_lm
from rnnlab.lesson import Lesson
from rnnlab.web.deps import get_lesson
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request, lesson: Lesson = Depends(get_lesson)):
    context = {"lesson": lesson, "experiment": char_lm.ID, "active": "lab"}
    return templates.TemplateResponse(request, "lab.html", context)
