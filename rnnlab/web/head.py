"""HEAD answered wherever GET is (RFC 9110 §9.3.2): what `curl -I`, uptime checks and proxies send.

FastAPI routes a request only to the methods a route names, so a HEAD of a page
was a 405. ``HeadAsGet`` (pure ASGI) hands a HEAD to the app as a GET and passes
on only the answer's status and headers (``content-length`` included, as GET's
would be): the answer is complete at its headers, and whatever the handler still
sends is dropped. An event stream (``/api/jobs/{id}/events``) then ends at once,
not when its job does: once the answer is complete, the server tells the handler
the client has gone (ASGI: ``receive`` gives ``http.disconnect``). No GET writes
anything (``security``), so neither does a HEAD. And a 405 that allows GET says
it allows HEAD too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] != "HEAD":
            await self.app(scope, receive, _allowing_head(send))
            return
        answered = False

        async def send_headers_only(message: Message) -> None:
            nonlocal answered
            if answered or message["type"] != "http.response.start":
                return
            answered = True
            await send(message)
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def _allowing_head(send: Send) -> Send:
    async def send_allowing_head(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 405:
            headers = MutableHeaders(scope=message)
            allowed = headers.get("allow", "").split(", ")
            if "GET" in allowed and "HEAD" not in allowed:
                headers["allow"] = ", ".join([*allowed, "HEAD"])
        await send(message)

    return send_allowing_head
