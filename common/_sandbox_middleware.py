"""The ASGI middleware in front of each sandbox's app: journal, faults, `Date`, throttle.

Every API request (anything outside `CONTROL_PREFIX`) is read whole, recorded by
the controls, and then handled, delayed or failed as the fault armed for it
says, while holding one of the throttled workers; each answer's `Date` header
is written by the sandbox's clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._sandbox_controls import CONTROL_PREFIX, RecordedRequest, SandboxControls

__all__ = ["SandboxMiddleware"]


class SandboxMiddleware:
    """ASGI middleware: journals each API request and applies the armed fault."""

    def __init__(self, app: ASGIApp, controls: SandboxControls) -> None:
        self.app = app
        self.controls = controls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        recorded = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=tuple(
                (key.decode("latin-1").lower(), value.decode("latin-1"))
                for key, value in scope["headers"]
            ),
            body=body,
        )
        fault = self.controls.record(recorded)
        replay = _replaying(body, receive)
        send = _dated(send, self.controls.http_date)
        async with self.controls.turn():
            if fault is None:
                await self.app(scope, replay, send)
                return
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is None:
                await self.app(scope, replay, send)
                return
            if fault.after_handling:
                await self.app(scope, replay, _discard)
            await self.controls.failure_response(fault)(scope, replay, send)


def _dated(send: Send, http_date: Callable[[], str]) -> Send:
    """`send`, with a `Date` header (by the sandbox's clock) added to the answer's start."""

    async def send_dated(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
            headers.append((b"date", http_date().encode("latin-1")))
            message = {**message, "headers": headers}
        await send(message)

    return send_dated


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _discard(message: Message) -> None:
    return None
