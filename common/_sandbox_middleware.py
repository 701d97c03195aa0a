"""The ASGI middleware in front of each sandbox's app: journal, faults, `Date`, throttle.

Every API request (anything outside `CONTROL_PREFIX`) is read whole, recorded by
the controls, and then handled, delayed, failed or dropped as the fault armed
for it says, while holding one of the throttled workers; each answer's `Date`
header is written by the sandbox's clock.

A dropped request loses its connection. Served by uvicorn, the middleware
starts an answer and leaves it unfinished, so the server closes the connection
(or, for a timeout, waits until the client closes it). In-process there is no
connection to lose: `InProcess`, the app `Sandbox.transport()` calls, marks the
scope, and the middleware raises `ConnectionLost`, which `InProcess` turns into
the error httpx raises for a broken connection or a read that timed out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._sandbox_controls import CONTROL_PREFIX, DROPS, RecordedRequest, SandboxControls

__all__ = ["IN_PROCESS", "ConnectionLost", "InProcess", "SandboxMiddleware"]

#: The scope extension by which `InProcess` says no socket carries the request.
IN_PROCESS = "common.sandbox.in_process"
#: The longest a served timeout holds its answer, waiting for the client to give up.
MAX_HOLD = 60.0


class ConnectionLost(Exception):
    """An in-process request whose connection a fault drops (`timeout`: never answered)."""

    def __init__(self, *, timeout: bool) -> None:
        self.timeout = timeout
        super().__init__("timed out" if timeout else "connection reset")

    def client_error(self) -> httpx.TransportError:
        """What httpx raises to a client whose connection was lost so."""
        if self.timeout:
            return httpx.ReadTimeout("timed out")
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")


class InProcess:
    """`app` called in-process: a dropped connection raises as httpx would over a socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        extensions = {**(scope.get("extensions") or {}), IN_PROCESS: {}}
        try:
            await self.app({**scope, "extensions": extensions}, receive, send)
        except ConnectionLost as lost:
            raise lost.client_error() from None


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
            if fault.drop is not None:
                if fault.after_handling:
                    await self.app(scope, replay, _discard)
                await _lose_connection(scope, receive, send, timeout=fault.drop == DROPS[1])
                return
            if fault.status is None:
                await self.app(scope, replay, send)
                return
            if fault.after_handling:
                await self.app(scope, replay, _discard)
            await self.controls.failure_response(fault)(scope, replay, send)


async def _lose_connection(scope: Scope, receive: Receive, send: Send, *, timeout: bool) -> None:
    """Lose the request's connection instead of answering it (see the module)."""
    if IN_PROCESS in (scope.get("extensions") or {}):
        raise ConnectionLost(timeout=timeout)
    if timeout:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_disconnected(receive), MAX_HOLD)
            return  # the client gave up: nothing more to do
    # An answer begun and never finished: the server closes the connection.
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    await send(start)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


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
