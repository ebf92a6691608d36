"""``/join/{code}``: a learner joins their instructor's class, optionally under a display name.

The page is a GET (it writes nothing); joining is a same-origin POST form (the
security middleware refuses one from another site), answered with a 303 back to
the lesson. ``POST /leave`` takes the learner out of their class again; their
progress stays. ``/join?code=…`` (the form for typing a code) redirects to ``/join/{CODE}``, and so does
``/join/{code}`` with the code in another case (``rnnlab.web.pages.canonical``).
"""

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from rnnlab.store import ClassError, ClassStore
from rnnlab.store.classes import DISPLAY_NAME_MAX, normal_code
from rnnlab.web.deps import get_classes, get_learner_id
from rnnlab.web.pages.canonical import redirect_to_canonical
from rnnlab.web.templating import templates

router = APIRouter()


def unknown(request: Request, code: str):
    message = (f"There is no class with the code “{code}”. Check the code your instructor gave you: "
               "six letters and digits, such as K7P3QX.")
    return templates.TemplateResponse(request, "join.html", {"found": None, "code": code, "error": message,
                                                             "max_name": DISPLAY_NAME_MAX}, status_code=404)


@router.get("/join", response_class=HTMLResponse)
def join_form(request: Request, code: str = ""):
    if normal_code(code):
        return RedirectResponse(f"/join/{quote(normal_code(code), safe='')}", status_code=303)
    return templates.TemplateResponse(request, "join.html", {"found": None, "code": "", "max_name": DISPLAY_NAME_MAX})


@router.get("/join/{code}", response_class=HTMLResponse)
def join_page(code: str, request: Request, classes: ClassStore = Depends(get_classes),
              learner: str = Depends(get_learner_id)):
    found = classes.get(code)
    if found is None:
        return unknown(request, code)
    redirect_to_canonical(request, "/join/", code, found.code)
    context = {"found": found, "code": found.code, "member": classes.membership(learner), "max_name": DISPLAY_NAME_MAX}
    return templates.TemplateResponse(request, "join.html", context)


@router.post("/join/{code}", response_class=HTMLResponse)
def join(code: str, request: Request, name: str = Form(""), classes: ClassStore = Depends(get_classes),
         learner: str = Depends(get_learner_id)):
    try:
        classes.join(learner, code, name)
    except KeyError:
        return unknown(request, code)
    except ClassError as exc:
        context = {"found": classes.get(code), "code": normal_code(code), "member": classes.membership(learner),
                   "error": str(exc), "name": name, "max_name": DISPLAY_NAME_MAX}
        return templates.TemplateResponse(request, "join.html", context, status_code=422)
    return RedirectResponse("/", status_code=303)


@router.post("/leave")
def leave(classes: ClassStore = Depends(get_classes), learner: str = Depends(get_learner_id)):
    classes.leave(learner)
    return RedirectResponse("/", status_code=303)
