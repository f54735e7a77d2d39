"""The request-size limit: a body over ``max_body_bytes`` is refused with 413 before any handler
reads it (by its Content-Length, or while it streams in without one); on the desk's routes the
refusal is a page, as every other error there."""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.problems import ApiProblem, answer


class BodyTooLargeError(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> ApiProblem:
        detail = f"the request body is over the limit of {self.max_bytes} bytes"
        return ApiProblem(413, "too-large", "Request body too large", detail)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await answer(Request(scope), self._refusal())(scope, receive, send)
            return
        seen = {"bytes": 0, "over": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > self.max_bytes:
                    seen["over"] = True
                    raise BodyTooLargeError
            return message

        async def sending(message: Message) -> None:
            if not seen["over"]:  # once over, whatever the app answers is replaced by the 413
                await send(message)

        with contextlib.suppress(BodyTooLargeError):
            await self.app(scope, counted, sending)
        if seen["over"]:
            await answer(Request(scope), self._refusal())(scope, receive, send)
