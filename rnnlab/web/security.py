"""What a server on a learner's laptop checks before it answers, and what every answer carries.

Any page the learner's browser opens can send requests to ``127.0.0.1``, so
``SecurityMiddleware`` (pure ASGI, outermost, so refusals get the headers too
and event streams pass straight through) does four things, in this order:

1. **Host** (DNS rebinding). The ``Host`` header must name this server:
   ``localhost`` or a loopback address (``127.0.0.1``, ``[::1]``), any port; the
   address ``--host`` names; any ``--allow-host`` name; and, when it binds every
   interface (``0.0.0.0`` / ``::``), any IP address (a rebinding page always
   sends its own *name*). Anything else: 400 and a sentence saying how to allow it.
   Jupyter Server (``allow_remote_access`` / ``local_hostnames``) checks the same way.
2. **Token.** When one is required (``Settings.token_required``: any bind but
   loopback, or ``--token``), a request needs it, compared with
   ``secrets.compare_digest``: ``?token=…`` (a page then gets an HttpOnly,
   SameSite=Strict cookie and a redirect to the same URL without it), the
   cookie, or ``Authorization: token …``. Missing: 401; wrong: 403.
3. **Origin** (cross-site writes). A POST/PUT/PATCH/DELETE is refused (403) when
   ``Sec-Fetch-Site`` is present and not ``same-origin`` / ``none``, or ``Origin``
   is present and not this server's own. Requests with neither header (curl,
   Python, tests) pass: only browsers send them, and browsers always do on a
   cross-origin POST. No GET writes anything, so GETs need no check.
4. **Headers** on every response: ``HEADERS`` below (a strict CSP without
   inline or eval'd script, no framing, no MIME sniffing, same-origin referrers).
"""

from __future__ import annotations

import html
import ipaddress
import json
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rnnlab.web.settings import Settings, is_wildcard

# What the pages need, measured in chromium (tests/browser): styles may be inline, because
# vega-embed injects <style> elements and the templates, KaTeX and Vega write style=""
# attributes; nothing else is. Vega's expressions (labelExpr, filters, signals) run in the
# vega-interpreter that vega-embed 7 bundles (``ast: true`` in charts.js), so no 'unsafe-eval';
# no image is a data: URL, so img-src stays 'self'.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])
HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_COOKIE = "rnnlab_token"


def host_name(host_header: str) -> str | None:
    """The name in a Host header, lower-cased, without port or IPv6 brackets; None if malformed.

    ``"LocalHost:8000"`` → ``"localhost"``, ``"[::1]:80"`` → ``"::1"``, ``"a:b"`` → None.
    """
    value = host_header.strip().lower()
    if value.startswith("["):
        name, sep, rest = value[1:].partition("]")
        return name if sep and (rest == "" or (rest[:1] == ":" and rest[1:].isdigit())) else None
    name, sep, port = value.partition(":")
    if sep and not port.isdigit():
        return None
    return name or None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings
        self.names = {"localhost", *settings.allow_hosts}
        if not is_wildcard(settings.host):
            self.names.add(settings.host.strip("[]").lower())

    # -- the checks: each returns None (pass) or a refusal (status, message) --------------

    def host_allowed(self, name: str) -> bool:
        if name in self.names or (is_ip(name) and ipaddress.ip_address(name).is_loopback):
            return True
        return is_wildcard(self.settings.host) and is_ip(name)

    def check_host(self, headers: Headers) -> tuple[int, str] | None:
        shown = headers.get("host", "")
        name = host_name(shown)
        if name is not None and self.host_allowed(name):
            return None
        if name is None:
            return 400, (f"rnnlab could not read the Host header “{shown}”; open the address "
                         "`rnnlab serve` printed, such as http://localhost:8000/.")
        return 400, (f"rnnlab answers only to localhost and the names it was started with, and “{name}” is not "
                     f"one of them. To use this server as {name}, start it with `rnnlab serve --allow-host {name}`.")

    def check_origin(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if scope["method"] not in UNSAFE_METHODS:
            return None
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        fetch_site = headers.get("sec-fetch-site")
        origin = headers.get("origin")
        if fetch_site is not None and fetch_site.lower() not in ("same-origin", "none"):
            return 403, (f"refused: this {scope['method']} came from another site ({origin or fetch_site}); "
                         f"rnnlab accepts changes only from its own pages at {own}.")
        if origin is not None and not same_origin(origin, own):
            return 403, (f"refused: this {scope['method']} came from {origin}; "
                         f"rnnlab accepts changes only from its own pages at {own}.")
        return None

    def check_token(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        if not self.settings.token_required:
            return None
        given = presented_token(scope, headers)
        if self.settings.token is None:
            return 403, ("this rnnlab server listens beyond this machine but was given no token, so it lets "
                         "nobody in: start it with `rnnlab serve --token TOKEN` (or without one to get a new one).")
        if given is None:
            return 401, ("this rnnlab server needs its access token: open the link `rnnlab serve` printed "
                         "in its terminal when it started (it ends in ?token=…), or send `Authorization: token …`.")
        if not secrets.compare_digest(given.encode(), self.settings.token.encode()):
            return 403, ("that is not this server's token: open the link `rnnlab serve` printed when it started "
                         "(each start makes a new token unless --token was given).")
        return None

    # -- the ASGI app ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        headers = Headers(scope=scope)
        refusal = self.check_host(headers) or self.check_token(scope, headers) or self.check_origin(scope, headers)
        if refusal is not None:
            await refuse(scope, send_with_headers, *refusal)
        elif self.settings.token_required and token_in_query(scope) and scope["method"] in ("GET", "HEAD"):
            await self.set_cookie_and_redirect(scope, send_with_headers)
        else:
            await self.app(scope, receive, send_with_headers)

    async def set_cookie_and_redirect(self, scope: Scope, send: Send) -> None:
        """Answer ``?token=`` with the token in a cookie and a redirect to the URL without it."""
        query = [(k, v) for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
                 if k != "token"]
        path = scope.get("raw_path") or quote(scope["path"]).encode()
        location = path.decode("latin-1") + (f"?{urlencode(query)}" if query else "")
        cookie = SimpleCookie()
        cookie[TOKEN_COOKIE] = self.settings.token
        morsel = cookie[TOKEN_COOKIE]
        morsel["path"], morsel["httponly"], morsel["samesite"] = "/", True, "Strict"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1")), (b"set-cookie", morsel.OutputString().encode("latin-1")),
            (b"content-length", b"0"),
        ]})
        await send({"type": "http.response.body", "body": b""})


def same_origin(origin: str, own: str) -> bool:
    """Whether an Origin header names ``own`` (``scheme://host:port``); "null" never does."""
    parts = urlsplit(origin.strip().lower())
    return bool(parts.scheme and parts.netloc) and f"{parts.scheme}://{parts.netloc}" == own


def token_in_query(scope: Scope) -> str | None:
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")):
        if key == "token":
            return value
    return None


def presented_token(scope: Scope, headers: Headers) -> str | None:
    """The token a request carries: in the query, the ``Authorization`` header or the cookie."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    return token_in_query(scope) or HTTPConnection(scope).cookies.get(TOKEN_COOKIE)


async def refuse(scope: Scope, send: Send, status: int, message: str) -> None:
    """The refusal: JSON ``{"detail": …}`` for the API and non-browser clients, a short page for a browser."""
    path, accept = scope["path"], Headers(scope=scope).get("accept", "")
    if path.startswith("/api/") or path == "/api" or "text/html" not in accept:
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        title = {400: "Unknown address", 401: "Token needed", 403: "Not allowed"}.get(status, "Refused")
        body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · rnnlab</title>'
                f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                f"<body><main><h1>{title}</h1><p>{html.escape(message)}</p></main></body></html>").encode()
        kind = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
