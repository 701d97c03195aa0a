"""What both embedded sandboxes share: a request journal, fault injection, serving.

Each sandbox (`bitexgate.sandbox`, `bityclient.sandbox`) is an ASGI app wrapped in
`SandboxMiddleware`, which records every API request that arrives and applies the
faults a test has armed with `SandboxControls` (the next N requests to a path fail
with a status, or are delayed). It can also serve like a busy server
(`throttle`: each request takes its turn at a few workers), and it writes each
answer's `Date` header from the sandbox's own clock, so a sandbox whose clock is
set apart from this machine's behaves like a server with a skewed clock.
`serve()` puts an app on a loopback socket with uvicorn for as long as a block
runs; `run_server()` serves until interrupted.

This module is where the rest of the project imports the sandbox core from. It
holds `Sandbox`, the base of both sandboxes (the controls, the ways to reach the
app, and the lifetime: `aclose()` and `async with`); the parts live in
`_sandbox_controls.py` (journal, faults, `Date`, throttle),
`_sandbox_middleware.py` (the ASGI middleware), `_sandbox_http.py` (JSON
answers, the control routes, serving) and `_sandbox_index.py` (the controls
described, and their index at `GET /sandbox/`).

Needs the `[sandbox]` extra (starlette and uvicorn); the clients never import this.
"""

from __future__ import annotations

import abc
import contextlib

import httpx
from starlette.types import ASGIApp

from ._lifetime import AsyncResource
from ._sandbox_controls import (
    CONTROL_PREFIX,
    DROPS,
    REDACTED,
    Fault,
    RecordedRequest,
    SandboxControls,
)
from ._sandbox_http import control_routes, json_response, run_server, serve
from ._sandbox_index import ControlRoute, Param, control, control_index, index_route
from ._sandbox_middleware import InProcess, SandboxMiddleware

__all__ = [
    "CONTROL_PREFIX",
    "DROPS",
    "REDACTED",
    "ControlRoute",
    "Fault",
    "Param",
    "RecordedRequest",
    "Sandbox",
    "SandboxControls",
    "SandboxMiddleware",
    "control",
    "control_index",
    "control_routes",
    "index_route",
    "json_response",
    "run_server",
    "serve",
]


class Sandbox(SandboxControls, AsyncResource):
    """Base of both sandboxes: the controls, ways to reach the app, and a lifetime.

    A subclass builds its Starlette app and sets `self.app = self.wrap(app)`.
    Use a sandbox in `async with`, or call `aclose()` when done with it: a
    subclass that holds something (a client it made) releases it there.
    """

    app: ASGIApp

    # -- lifetime ------------------------------------------------------------

    async def aclose(self) -> None:
        """Release what the sandbox holds; its state, journal and controls stay readable.

        Closing twice is harmless. The base holds nothing: a subclass that does
        overrides this.
        """

    # -- what a subclass provides --------------------------------------------

    @abc.abstractmethod
    def seed_demo_data(self) -> None:
        """Fill the sandbox with a little of everything, for a first look."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Back to a fresh state: objects forgotten, the journal and the armed faults cleared."""

    # -- reaching the app ----------------------------------------------------

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """`app` behind the journal and the fault injection of these controls."""
        return SandboxMiddleware(app, self)

    def transport(self) -> httpx.ASGITransport:
        """An httpx transport that calls the app in-process (no socket).

        A dropped request (`drop_next`) raises what httpx raises over a socket:
        `httpx.RemoteProtocolError` for a lost connection, `httpx.ReadTimeout`
        for an answer that never came.
        """
        return httpx.ASGITransport(app=InProcess(self.app))

    def serve(
        self, *, host: str = "127.0.0.1", port: int = 0
    ) -> contextlib.AbstractAsyncContextManager[str]:
        """Serve the app on a socket while a block runs; yields its base URL."""
        return serve(self.app, host=host, port=port)
