"""``/steps/{n}``: one step of the lesson; an unknown step gets the friendly not-found page.

A GET writes nothing (a page another site frames or links to must not move the
learner's place): the page's script records the visit with a same-origin
``POST /api/progress/visit``, and meanwhile the page shows the step as visited.
"""

from dataclasses import replace

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson, check_states
from rnnlab.runtime import predict
from rnnlab.store import ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_store
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/steps/{number}", response_class=HTMLResponse)
def step_page(number: str, request: Request, lesson: Lesson = Depends(get_lesson),
              store: ProgressStore = Depends(get_store), learner: str = Depends(get_learner_id)):
    numbers = [s.number for s in lesson.steps]
    if not (number.isascii() and number.isdigit()) or int(number) not in numbers:
        message = f"There is no step “{number}”: the lesson has steps {numbers[0]} to {numbers[-1]}."
        context = {"lesson": lesson, "progress": store.progress(learner), "status_code": 404, "detail": message}
        return templates.TemplateResponse(request, "error.html", context, status_code=404)
    step = lesson.step(int(number))
    stored = store.progress(learner)
    progress = replace(stored, visited=stored.visited | {step.number}, last_step=step.number)  # as it will be
    at = numbers.index(step.number)
    context = {
        "lesson": lesson, "step": step, "progress": progress,
        "prev": lesson.steps[at - 1] if at > 0 else None,
        "next": lesson.steps[at + 1] if at + 1 < len(numbers) else None,
        "checks": check_states(lesson, step.checks, learner, progress.answers, predict.measure),
    }
    return templates.TemplateResponse(request, "step.html", context)
