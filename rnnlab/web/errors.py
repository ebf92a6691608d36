"""Exception handlers: every API error is JSON ``{"detail": "<a sentence a person can read>"}``.

Validation errors become one sentence naming each field ("rho: must be ≤ 2.0
(got 5)"); unknown ``/api`` paths get a JSON 404; data a page polls (``*.json``,
such as a class's ``dashboard.json``) gets JSON too, a ``*.csv`` download the
sentence as plain text; a job queue that does not answer (``QueueDown``: its
Redis stopped or is out of reach) a 503 with its sentence and ``Retry-After``;
other pages get the HTML error page (template ``error.html`` when the front end
provides one). A redirect raised as an ``HTTPException`` (3xx) is answered as
that redirect.
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterable

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY

from rnnlab.runtime.jobs import QueueDown
from rnnlab.web.limits import too_large_message
from rnnlab.web.templating import templates

_SHOWN_INPUT = 40  # characters of an offending value quoted back

_STANDARD = {404: "not found", 405: "method not allowed"}
QUEUE_RETRY_AFTER_S = 60  # a 503 from a queue that does not answer: wait this long (its sentence says a minute)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    return text if len(text) <= _SHOWN_INPUT else text[: _SHOWN_INPUT - 1] + "…"


def _not_finite(value: Any) -> bool:
    """NaN or ±Infinity (Python's json reads those tokens, and 1e400 as inf), or an int no float can hold."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return not math.isfinite(value)
    except OverflowError:  # an int of a few hundred digits
        return True


def _problem(error: dict[str, Any]) -> str:
    kind, ctx, given = error.get("type", ""), error.get("ctx") or {}, error.get("input")
    quoted = "input" in error and kind != "missing" and not (kind == "value_error" and isinstance(given, dict))
    got = f" (got {_shown(given)})" if quoted else ""  # a whole object quoted back says nothing
    int_field = kind.startswith("int_") or isinstance(ctx.get("ge", ctx.get("le", ctx.get("gt", ctx.get("lt")))), int)
    if _not_finite(given) and not int_field:
        return f"must be a finite number{got}"
    bounds = {
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx.get(key)}{got}"
    simple = {
        "missing": "is required",
        "json_invalid": "request body is not valid JSON",
        "int_parsing": "must be a whole number",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_parsing": "must be a number",
        "float_type": "must be a number",
        "finite_number": "must be a finite number",
        "bool_parsing": "must be true or false",
        "bool_type": "must be true or false",
        "string_type": "must be text",
        "dict_type": "must be a JSON object",
        "model_type": "must be a JSON object",
        "model_attributes_type": "must be a JSON object",
        "list_type": "must be a list",
        "extra_forbidden": "is not a known field",
    }
    if kind in simple:
        return simple[kind] + ("" if kind in ("missing", "json_invalid") else got)
    if kind == "literal_error" or kind == "enum":
        return f"must be one of {ctx.get('expected')}{got}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return f"must be at least {ctx.get('min_length')} characters"
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ") + got


def readable(errors: Iterable[dict[str, Any]]) -> str:
    """One sentence for a list of pydantic/FastAPI errors, each led by the field it is about."""
    parts = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        problem = _problem(error)
        if error.get("type") == "json_invalid" or not loc:
            parts.append(problem if error.get("type") == "json_invalid" else f"request body {problem}")
        else:
            parts.append(f"{'.'.join(loc)}: {problem}")
    return "; ".join(dict.fromkeys(parts)) or "the request is not valid"


def _is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def error_format(request: Request) -> str:
    """How an error on this path is answered: "json" for the API and data a script or page reads (``*.json``),
    "text" for a download a spreadsheet opens (``*.csv``), "html" for a page."""
    path = request.url.path
    if _is_api(request) or path.endswith(".json"):
        return "json"
    return "text" if path.endswith(".csv") else "html"


def plain_error(detail: str, status_code: int, headers: dict | None = None) -> PlainTextResponse:
    """An error as one sentence of text (for a download: an HTML page saved as .csv would help no one)."""
    return PlainTextResponse(detail + "\n", status_code=status_code, headers=headers)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": readable(exc.errors())}, status_code=422)


async def _http_error(request: Request, exc: HTTPException):
    if 300 <= exc.status_code < 400:  # a redirect a dependency raised (rnnlab.web.pages.canonical)
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail
    if not isinstance(detail, str) or detail in ("Not Found", "Method Not Allowed", "Content Too Large"):
        detail = _STANDARD.get(exc.status_code, str(detail))
        if exc.status_code == 413:
            detail = too_large_message(request.scope.get(MAX_BODY_SIZE_SCOPE_KEY))
        if exc.status_code == 404 and _is_api(request):
            detail = f"no such API endpoint: {request.method} {request.url.path}"
    headers = getattr(exc, "headers", None)  # a 405's Allow, say
    kind = error_format(request)
    if kind == "json" or exc.status_code == 413:
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)
    if kind == "text":
        return plain_error(detail, exc.status_code, headers)
    try:
        return templates.TemplateResponse(
            request, "error.html", {"status_code": exc.status_code, "detail": detail}, status_code=exc.status_code,
            headers=headers,
        )
    except jinja2.TemplateNotFound:
        page = (f"<!doctype html><title>{exc.status_code}</title><h1>{exc.status_code}</h1>"
                f"<p>{html.escape(detail)}</p><p><a href='/'>Back to the lesson</a></p>")
        return HTMLResponse(page, status_code=exc.status_code, headers=headers)


async def _queue_down(request: Request, exc: QueueDown) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": str(QUEUE_RETRY_AFTER_S)})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The server logs the traceback itself (Starlette re-raises after this answer).
    return JSONResponse({"detail": "something went wrong on the server; the error is in its log"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(QueueDown, _queue_down)
    app.add_exception_handler(Exception, _unexpected)
