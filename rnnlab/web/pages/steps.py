"""``/steps/{n}``: one step of the lesson; an unknown step gets the friendly not-found page.

A GET writes nothing (a page another site frames or links to must not move the
learner's place): the page's script records the visit with a same-origin
``POST /api/progress/visit``, and meanwhile the page shows the step as visited.

Most of a page is the same for every learner. ``StepPages`` renders each step
once per process with two markers where the learner's own parts go — the
progress bar (``_progress.html``) and the checks' data (options in this
learner's order, their previous answers) — and a request renders only those
two and joins them in.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import replace

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from rnnlab.lesson import Lesson, Step, check_states
from rnnlab.runtime import predict
from rnnlab.runtime.cache import ResultCache
from rnnlab.store import Progress, ProgressStore
from rnnlab.web.deps import get_learner_id, get_lesson, get_results, get_store
from rnnlab.web.templating import templates

router = APIRouter()


class StepPages:
    """Each step's page without its learner's parts, rendered once and kept (one per app)."""

    def __init__(self):
        self.marker = f"<!--learner-{secrets.token_hex(8)}-->"  # cannot occur in the lesson's own text
        self._shells: dict[tuple[int, int], tuple[Lesson, str, str, str]] = {}  # (id(lesson), step) -> pieces
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._shells)

    def render(self, lesson: Lesson, step: Step, progress: Progress, checks: dict) -> str:
        nav = templates.get_template("_progress.html").render(lesson=lesson, step=step, progress=progress)
        _, before, between, after = self._shell_of(lesson, step)
        data = str(htmlsafe_json_dumps(checks, sort_keys=True))  # as `| tojson` does; str: Markup + str escapes
        return before + nav + between + data + after

    def warm(self, lesson: Lesson) -> None:
        """Render every step's shell now (and with it load the templates), so no learner waits for it."""
        for step in lesson.steps:
            self._shell_of(lesson, step)
        templates.get_template("_progress.html")

    def _shell_of(self, lesson: Lesson, step: Step) -> tuple[Lesson, str, str, str]:
        """The step's shell, rendered now if no request or warm-up has yet."""
        key = (id(lesson), step.number)
        shell = self._shells.get(key)
        if shell is None:
            with self._lock:
                shell = self._shells.get(key) or self._shells.setdefault(key, self._shell(lesson, step))
        return shell

    def _shell(self, lesson: Lesson, step: Step) -> tuple[Lesson, str, str, str]:
        numbers = [s.number for s in lesson.steps]
        at = numbers.index(step.number)
        html = templates.get_template("step.html").render(
            lesson=lesson, step=step,
            prev=lesson.steps[at - 1] if at > 0 else None,
            next=lesson.steps[at + 1] if at + 1 < len(numbers) else None,
            progress_nav=Markup(self.marker), checks_json=Markup(self.marker),
        )
        before, between, after = html.split(self.marker)
        return lesson, before, between, after  # the lesson held, so its id is not reused while the key is


@router.get("/steps/{number}", response_class=HTMLResponse)
def step_page(number: str, request: Request, lesson: Lesson = Depends(get_lesson),
              store: ProgressStore = Depends(get_store), learner: str = Depends(get_learner_id),
              results: ResultCache = Depends(get_results)):
    numbers = [s.number for s in lesson.steps]
    if not (number.isascii() and number.isdigit()) or int(number) not in numbers:
        message = f"There is no step “{number}”: the lesson has steps {numbers[0]} to {numbers[-1]}."
        context = {"lesson": lesson, "progress": store.progress(learner), "status_code": 404, "detail": message}
        return templates.TemplateResponse(request, "error.html", context, status_code=404)
    step = lesson.step(int(number))
    stored = store.progress(learner)
    progress = replace(stored, visited=stored.visited | {step.number}, last_step=step.number)  # as it will be
    measure = functools.partial(predict.measure, results=results)
    checks = check_states(lesson, step.checks, learner, progress.answers, measure)
    return HTMLResponse(request.app.state.step_pages.render(lesson, step, progress, checks))
