"""``/steps/{n}/notebook.ipynb``: a step as a Jupyter notebook, downloaded (lesson/notebook.py
builds it). An unknown step gets the friendly not-found page."""

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from rnnlab.lesson import Lesson
from rnnlab.lesson.notebook import MEDIA_TYPE, filename, notebook_text
from rnnlab.web.deps import get_lesson

router = APIRouter()


@router.get("/steps/{number}/notebook.ipynb")
def step_notebook(number: str, lesson: Lesson = Depends(get_lesson)) -> Response:
    numbers = [s.number for s in lesson.steps]
    if not (number.isascii() and number.isdigit()) or int(number) not in numbers:
        raise HTTPException(404, f"There is no step “{number}”: the lesson has steps {numbers[0]} to {numbers[-1]}.")
    step = lesson.step(int(number))
    return Response(notebook_text(lesson, step.number), media_type=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename(step)}"'})
