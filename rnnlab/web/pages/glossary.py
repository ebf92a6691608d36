"""``/glossary``: every term, the six key concepts first, each with an anchor."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from rnnlab.lesson import Lesson
from rnnlab.web.deps import get_lesson
from rnnlab.web.templating import templates

router = APIRouter()


@router.get("/glossary", response_class=HTMLResponse)
def glossary(request: Request, lesson: Lesson = Depends(get_lesson)):
    concepts = [c.slug for c in lesson.concepts]
    rank = {slug: i for i, slug in enumerate(concepts)}
    terms = sorted(lesson.glossary, key=lambda t: (rank.get(t.slug, len(rank)), t.term.lower()))
    context = {"lesson": lesson, "terms": terms, "concepts": set(concepts), "active": "glossary"}
    return templates.TemplateResponse(request, "glossary.html", context)
