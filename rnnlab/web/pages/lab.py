"""``/lab``: train a character model; says so plainly while the char-lm experiment is not registered yet."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson
from rnnlab.web.deps import get_experiments, get_lesson
from rnnlab.web.templating import templates

router = APIRouter()

LAB_EXPERIMENT = "char-lm"


@router.get("/lab", response_class=HTMLResponse)
def lab(request: Request, lesson: Lesson = Depends(get_lesson), experiments=Depends(get_experiments)):
    experiment = LAB_EXPERIMENT if LAB_EXPERIMENT in experiments else None
    context = {"lesson": lesson, "experiment": experiment, "active": "lab"}
    return templates.TemplateResponse(request, "lab.html", context)
