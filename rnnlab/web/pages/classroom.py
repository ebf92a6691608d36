"""The instructor's pages for a class: ``/class/{code}`` (the live dashboard), its data
``/class/{code}/dashboard.json`` (polled by ``js/dashboard.js``), the export
``/class/{code}/answers.csv`` (UTF-8 with a byte-order mark, for Excel), and ``/class/{code}/login`` / ``logout``.

Every one but the login page needs the class's instructor key (``rnnlab.web.instructor``);
an unknown code is a 404 before any key is looked at, and a code in another case than its own
is redirected to the canonical address first (``rnnlab.web.pages.canonical``).
"""

import csv
import io
import re
from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from rnnlab.lesson import Lesson
from rnnlab.lesson.report import CSV_COLUMNS, answer_rows, dashboard
from rnnlab.runtime import predict
from rnnlab.store import ClassInfo, ClassStore
from rnnlab.web import instructor
from rnnlab.web.deps import get_classes, get_lesson
from rnnlab.web.pages.canonical import redirect_to_canonical
from rnnlab.web.templating import templates

router = APIRouter(prefix="/class/{code}")

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula


def known_class(code: str, request: Request, classes: ClassStore = Depends(get_classes)) -> ClassInfo:
    """The class in the path; 404 if there is none, a 308 to its canonical address for a GET under another
    spelling of its code (``rnnlab.web.pages.canonical``)."""
    found = classes.get(code)
    if found is None:
        raise HTTPException(404, f"There is no class with the code “{code}”.")
    redirect_to_canonical(request, "/class/", code, found.code)
    return found


def instructor_of(request: Request, found: ClassInfo = Depends(known_class),
                  classes: ClassStore = Depends(get_classes)) -> ClassInfo:
    """The class, once the request has shown its instructor key (else 401/403)."""
    instructor.require(request, classes, found)
    return found


def dashboard_data(found: ClassInfo, classes: ClassStore, lesson: Lesson) -> dict:
    data = dashboard(lesson, classes.members(found.code), predict.measure)
    data["class"] = {"code": found.code, "name": found.name}
    data["updated_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    return data


def spreadsheet_safe(value):
    """A cell no spreadsheet runs as a formula: text starting with = + - @ or a tab gets a leading apostrophe
    (OWASP's advice), unless it is a plain number. Display names and answers are the learners' own text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, found: ClassInfo = Depends(known_class)):
    return instructor.login_page(request, found.code, 200)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, key: str = Form(""), found: ClassInfo = Depends(known_class),
          classes: ClassStore = Depends(get_classes)):
    if not key.strip():
        return instructor.login_page(request, found.code, 401, "Enter the instructor key to open the dashboard.")
    if not classes.key_matches(found.code, key.strip()):
        return instructor.login_page(request, found.code, 403, instructor.WRONG_KEY.format(code=found.code))
    response = RedirectResponse(f"/class/{found.code}", status_code=303)
    instructor.set_cookie(response, request, found.code, classes.key_hash(found.code))
    return response


@router.post("/logout")
def logout(found: ClassInfo = Depends(known_class)):
    response = RedirectResponse(f"/class/{found.code}/login", status_code=303)
    instructor.clear_cookie(response, found.code)
    return response


@router.get("", response_class=HTMLResponse)
def dashboard_page(request: Request, found: ClassInfo = Depends(instructor_of),
                   classes: ClassStore = Depends(get_classes), lesson: Lesson = Depends(get_lesson)):
    context = {"found": found, "data": dashboard_data(found, classes, lesson),
               "join_url": f"{request.base_url}join/{found.code}"}
    response = templates.TemplateResponse(request, "dashboard.html", context)
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/dashboard.json")
def dashboard_json(found: ClassInfo = Depends(instructor_of), classes: ClassStore = Depends(get_classes),
                   lesson: Lesson = Depends(get_lesson)):
    return JSONResponse(dashboard_data(found, classes, lesson), headers={"cache-control": "no-store"})


@router.get("/answers.csv")
def answers_csv(found: ClassInfo = Depends(instructor_of), classes: ClassStore = Depends(get_classes),
                lesson: Lesson = Depends(get_lesson)):
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    for row in answer_rows(lesson, classes.members(found.code)):
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    disposition = f'attachment; filename="rnnlab-{found.code}-answers.csv"'
    # UTF-8 with a byte-order mark: without one Excel reads the file as the local code page and garbles "Zoë" or "李".
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": disposition, "cache-control": "no-store"})
