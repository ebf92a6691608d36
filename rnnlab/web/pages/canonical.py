"""A class has one address: its code as stored. ``/class/k7p3qx/…`` and ``/join/k7p3qx`` lead to ``…/K7P3QX…``.

Codes are typed in any case and the store finds the class whatever the case, but a cookie's
path is case-sensitive: the instructor's cookie, scoped to ``/class/K7P3QX``, is not sent to
``/class/k7p3qx``. So a GET or HEAD of a class's page under another spelling of its code is
redirected (308) to the same page under the code as stored, the rest of the path and the query kept.
Forms posted to another spelling work as they are (they answer with the canonical address).
"""

from urllib.parse import quote

from fastapi import HTTPException, Request


def canonical_url(request: Request, prefix: str, code: str, canonical: str) -> str | None:
    """Where a GET/HEAD of this request should go instead: its path with ``prefix + code`` (``"/class/" +
    "k7p3qx"``) spelled ``prefix + canonical``; None when it is there already or is not a GET/HEAD."""
    path = request.url.path
    at = path.find(prefix + code)
    if code == canonical or request.method not in ("GET", "HEAD") or at < 0:
        return None
    head, rest = path[: at + len(prefix)], path[at + len(prefix) + len(code):]
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{quote(head, safe='/')}{canonical}{quote(rest, safe='/')}{query}"


def redirect_to_canonical(request: Request, prefix: str, code: str, canonical: str) -> None:
    """Raise a 308 to the canonical address if the request is a GET/HEAD under another spelling of the code."""
    url = canonical_url(request, prefix, code, canonical)
    if url is not None:
        raise HTTPException(308, headers={"location": url})
