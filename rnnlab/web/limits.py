"""Request body limits, said in JSON.

The limits themselves are FastAPI's: the API routers are included with
``max_body_size=settings.body_limit`` and a route that takes more (the lab's
text upload) declares its own ``max_body_size=``. When a body is too large,
Starlette answers 413 in plain text; ``JsonTooLarge`` turns that into
``{"detail": "request body is too large (… accepts up to 16 KB)"}``.
"""

from __future__ import annotations

import json

from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large_message(limit: int | None) -> str:
    if limit is None:
        return "request body is too large"
    size = f"{limit / 2**20:.1f} MB" if limit >= 2**20 else f"{limit / 1024:.0f} KB"
    return f"request body is too large (this endpoint accepts up to {size})"


class JsonTooLarge:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_json(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = MutableHeaders(scope=message)
                if not headers.get("content-type", "").startswith("application/json"):
                    replaced = True
                    body = json.dumps({"detail": too_large_message(scope.get(MAX_BODY_SIZE_SCOPE_KEY))}).encode()
                    headers["content-type"] = "application/json"
                    headers["content-length"] = str(len(body))
                    await send(message)
                    await send({"type": "http.response.body", "body": body})
                    return
            if not replaced:  # once replaced, the plain-text body is dropped
                await send(message)

        await self.app(scope, receive, send_json)
