"""Who may see a class's dashboard: whoever presents its instructor key.

The key comes as ``Authorization: Bearer <key>`` (scripts, ``curl``), or is typed
once on ``/class/{code}/login``, which then sets a cookie: HttpOnly,
SameSite=Strict, scoped to ``/class/{code}``, holding not the key but an HMAC of the
class's code and key hash under the app's cookie secret (kept in the database, so
every replica accepts it; a new key would void it).

No key: 401; a wrong key: 403; each with a sentence and nothing else about the class:
the login page for a browser opening the dashboard, JSON for ``dashboard.json`` (and
anything but a browser), plain text for ``answers.csv``.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from rnnlab.store import ClassInfo, ClassStore
from rnnlab.web import errors
from rnnlab.web.templating import templates

COOKIE = "rnnlab_instructor"
COOKIE_MAX_AGE_S = 14 * 24 * 3600  # a fortnight of lectures, then the key once more
NO_KEY = ("this class's dashboard needs its instructor key (printed by `rnnlab class create`): "
          "sign in at /class/{code}/login, or send `Authorization: Bearer <key>`.")
WRONG_KEY = "that is not the instructor key of class {code}: check the key `rnnlab class create` printed."


class NotInstructor(Exception):
    """The request did not show the class's instructor key (401) or showed another one (403)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def cookie_value(secret: str, code: str, key_hash: str) -> str:
    """What the instructor's cookie holds for class ``code``: an HMAC, useless anywhere else and not the key."""
    return hmac.new(secret.encode(), f"rnnlab.instructor:{code}:{key_hash}".encode(), hashlib.sha256).hexdigest()


def bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def require(request: Request, classes: ClassStore, found: ClassInfo) -> None:
    """Return if the request carries class ``found``'s key (header or cookie); raise NotInstructor otherwise."""
    key = bearer(request)
    if key is not None:
        if not classes.key_matches(found.code, key):
            raise NotInstructor(403, found.code, WRONG_KEY.format(code=found.code))
        return
    cookie = request.cookies.get(COOKIE)
    stored = classes.key_hash(found.code)
    if cookie and stored and hmac.compare_digest(cookie, cookie_value(request.app.state.secret, found.code, stored)):
        return
    raise NotInstructor(401, found.code, NO_KEY.format(code=found.code))


def set_cookie(response: Response, request: Request, code: str, key_hash: str) -> None:
    response.set_cookie(COOKIE, cookie_value(request.app.state.secret, code, key_hash), max_age=COOKIE_MAX_AGE_S,
                        path=f"/class/{code}", httponly=True, samesite="strict")


def clear_cookie(response: Response, code: str) -> None:
    response.delete_cookie(COOKIE, path=f"/class/{code}", httponly=True, samesite="strict")


def login_page(request: Request, code: str, status: int, error: str | None = None) -> Response:
    return templates.TemplateResponse(request, "class_login.html", {"code": code, "error": error},
                                      status_code=status)


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def refused(request: Request, exc: NotInstructor) -> Response:
    """401/403: ``{"detail": …}`` for the dashboard's data, the sentence as text for the CSV; for the page, the
    login page (with the sentence) for a browser and ``{"detail": …}`` for anything else."""
    headers = {"www-authenticate": "Bearer"} if exc.status == 401 else None
    kind = errors.error_format(request)
    if kind == "text":
        return errors.plain_error(exc.message, exc.status, headers)
    if kind == "html" and wants_html(request):
        response = login_page(request, exc.code, exc.status, exc.message if exc.status == 403 else None)
        if headers:
            response.headers.update(headers)
        return response
    return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(NotInstructor, refused)
