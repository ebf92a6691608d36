"""The anonymous learner: a random id in a signed cookie, set on the first visit.

``LearnerMiddleware`` (pure ASGI, so event streams pass straight through) reads
the cookie, checks its signature, and puts the id in ``request.state.learner_id``.
A missing or tampered cookie gets a fresh id and a ``Set-Cookie`` on the way out.
Nothing is written to the database here: a learner row appears with their first
saved progress.
"""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SALT = "rnnlab.learner"


def new_learner_id() -> str:
    return secrets.token_urlsafe(16)


class LearnerMiddleware:
    def __init__(self, app: ASGIApp, secret: str, cookie_name: str, max_age_s: int):
        self.app, self.cookie_name, self.max_age_s = app, cookie_name, max_age_s
        self.signer = Signer(secret, salt=SALT)

    def learner_from(self, scope: Scope) -> str | None:
        token = HTTPConnection(scope).cookies.get(self.cookie_name)
        if not token:
            return None
        try:
            return self.signer.unsign(token).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None

    def cookie_header(self, learner_id: str) -> str:
        cookie = SimpleCookie()
        cookie[self.cookie_name] = self.signer.sign(learner_id).decode("ascii")
        morsel = cookie[self.cookie_name]
        morsel["path"], morsel["max-age"], morsel["samesite"], morsel["httponly"] = "/", self.max_age_s, "Lax", True
        return morsel.OutputString()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        learner_id = self.learner_from(scope)
        is_new = learner_id is None
        learner_id = learner_id or new_learner_id()
        scope.setdefault("state", {})["learner_id"] = learner_id

        async def send_with_cookie(message: Message) -> None:
            if is_new and message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", self.cookie_header(learner_id))
            await send(message)

        await self.app(scope, receive, send_with_cookie)
