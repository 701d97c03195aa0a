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

Needs the `[sandbox]` extra (starlette and uvicorn); the clients never import this.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import json
import math
import socket
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTROL_PREFIX",
    "REDACTED",
    "Fault",
    "RecordedRequest",
    "Sandbox",
    "SandboxControls",
    "SandboxMiddleware",
    "control_routes",
    "json_response",
    "run_server",
    "serve",
]

#: Paths under this prefix control the sandbox; they are neither recorded nor faulted.
CONTROL_PREFIX = "/sandbox/"

#: What stands for a credential in the journal served over HTTP.
REDACTED = "<redacted>"
_SECRET_FORM_FIELDS = frozenset({"password", "refresh_token", "client_secret", "code"})

ErrorBody = Callable[[int, str], Mapping[str, Any]]


@attrs.frozen
class RecordedRequest:
    """One API request as the sandbox received it, for a test to inspect."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as `GET /sandbox/requests` answers, with credentials redacted.

        The body is text. An `Authorization` header and the password and token
        fields of a form body read `<redacted>`: what a test needs is that they
        were sent, and a sandbox on a shared host must not hand them out.
        """
        headers = {
            key: REDACTED if key == "authorization" else value for key, value in self.headers
        }
        body = self.body.decode("utf-8", "replace")
        if (self.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            fields = parse_qsl(body, keep_blank_values=True)
            body = urlencode([(k, REDACTED if k in _SECRET_FORM_FIELDS else v) for k, v in fields])
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": body,
        }


@attrs.frozen
class Fault:
    """What to do to one request instead of (or after) handling it.

    `status` None only delays the request by `delay` seconds. With `after_handling`
    the request takes effect and its answer is replaced by the failure: what a
    client sees when a proxy gives up on a request the server went on to process.
    """

    status: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    after_handling: bool = False


@attrs.define
class _ArmedFault:
    path: str
    method: str | None
    remaining: int
    fault: Fault


class SandboxControls:
    """The journal of requests received and the faults armed for the next ones."""

    def __init__(
        self,
        *,
        error_body: ErrorBody,
        journal_size: int = 10_000,
        epoch_clock: Callable[[], float] = time.time,
    ) -> None:
        self._error_body = error_body
        self._journal: collections.deque[RecordedRequest] = collections.deque(maxlen=journal_size)
        self._faults: list[_ArmedFault] = []
        self._epoch_clock = epoch_clock
        self._date_phase: float | None = None
        self._service_time = 0.0
        self._workers: asyncio.Semaphore | None = None

    def http_date(self) -> str:
        """The `Date` header for an answer written now, by the sandbox's clock."""
        now = self._epoch_clock()
        if self._date_phase is not None:  # the Date of the last once-a-second refresh
            now = math.floor(now - self._date_phase) + self._date_phase
        return email.utils.formatdate(now, usegmt=True)

    def refresh_date_each_second(self, phase: float | None = 0.85) -> None:
        """Write the `Date` a server refreshes once a second, `phase` into each second.

        uvicorn does this: its `Date` can lag the time by up to a second. `None`
        writes the exact second again.
        """
        if phase is not None and not 0 <= phase < 1:
            raise ValueError(f"phase must be from 0 to 1 (excluded), got {phase!r}")
        self._date_phase = phase

    def throttle(self, seconds_per_request: float, *, workers: int = 1) -> None:
        """Serve like a busy server: `workers` requests at a time, each taking this long.

        Requests beyond `workers` wait their turn before they are handled (and
        before their signature is checked), as on a server with that many workers.
        `throttle(0)` serves at full speed again.
        """
        if not math.isfinite(seconds_per_request) or seconds_per_request < 0:
            raise ValueError(
                f"seconds_per_request must be finite and >= 0, got {seconds_per_request!r}"
            )
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self._service_time = float(seconds_per_request)
        self._workers = asyncio.Semaphore(workers) if seconds_per_request > 0 else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the throttled workers for one request's service time (no-op unthrottled)."""
        workers, seconds = self._workers, self._service_time
        if workers is None:
            yield
            return
        async with workers:
            await asyncio.sleep(seconds)
            yield

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request received (the latest `journal_size`), oldest first."""
        return list(self._journal)

    def requests_to(self, path: str, *, method: str | None = None) -> list[RecordedRequest]:
        """The requests received for `path` (and `method`, if given), oldest first."""
        return [
            r
            for r in self._journal
            if r.path == path and (method is None or r.method == method.upper())
        ]

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._journal.clear()

    def fail_next(
        self,
        path: str,
        *,
        status: int = 502,
        times: int = 1,
        retry_after: int | None = None,
        method: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Answer the next `times` requests to `path` with `status`.

        `retry_after` (seconds) adds a Retry-After header, as a 429 would carry.
        With `after_handling` each request is processed first (a payment is made)
        and only its answer is replaced: the "outcome unknown" case.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an error status (400-599), got {status}")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise ValueError(f"retry_after must be a whole number of seconds, got {retry_after!r}")
        fault = Fault(status=status, retry_after=retry_after, after_handling=after_handling)
        self._arm(path, method, times, fault)

    def delay_next(
        self, path: str, *, seconds: float, times: int = 1, method: str | None = None
    ) -> None:
        """Hold the next `times` requests to `path` for `seconds` before handling them."""
        if not math.isfinite(seconds) or seconds < 0:
            # NaN or Infinity (JSON from the HTTP control may hold either) would hold the
            # request, and the server's shutdown with it, for ever.
            raise ValueError(f"seconds must be finite and not negative, got {seconds!r}")
        self._arm(path, method, times, Fault(delay=seconds))

    def clear_faults(self) -> None:
        """Disarm every fault not yet used."""
        self._faults.clear()

    def _arm(self, path: str, method: str | None, times: int, fault: Fault) -> None:
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        upper = method.upper() if method else None
        self._faults.append(_ArmedFault(path, upper, times, fault))

    def record(self, request: RecordedRequest) -> Fault | None:
        """Journal `request` and take the fault armed for it, if any."""
        self._journal.append(request)
        for armed in self._faults:
            if armed.path == request.path and armed.method in (None, request.method):
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._faults.remove(armed)
                return armed.fault
        return None

    def failure_response(self, fault: Fault) -> Response:
        """The answer a failing fault gives, in the API's own error shape."""
        status = fault.status or 500
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        body = self._error_body(status, _FAULT_MESSAGES.get(status, "Injected failure."))
        return JSONResponse(dict(body), status_code=status, headers=headers)


_FAULT_MESSAGES = {
    429: "Request was throttled.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}


class Sandbox(SandboxControls):
    """Base of both sandboxes: the controls, plus ways to reach the app.

    A subclass builds its Starlette app and sets `self.app = self.wrap(app)`.
    """

    app: ASGIApp

    def seed_demo_data(self) -> None:
        """Fill the sandbox with a little of everything, for a first look."""
        raise NotImplementedError

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """`app` behind the journal and the fault injection of these controls."""
        return SandboxMiddleware(app, self)

    def transport(self) -> httpx.ASGITransport:
        """An httpx transport that calls the app in-process (no socket)."""
        return httpx.ASGITransport(app=self.app)

    def serve(
        self, *, host: str = "127.0.0.1", port: int = 0
    ) -> contextlib.AbstractAsyncContextManager[str]:
        """Serve the app on a socket while a block runs; yields its base URL."""
        return serve(self.app, host=host, port=port)


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


def json_response(data: Any, status_code: int = 200) -> Response:
    """A JSON answer written as the APIs write it (UTF-8, no ASCII escaping)."""
    return JSONResponse(data, status_code=status_code)


def control_routes(controls: SandboxControls) -> list[Route]:
    """The HTTP controls both sandboxes share, for tests in another process.

    - `GET /sandbox/requests` lists the requests received (`?path=` filters);
      `DELETE /sandbox/requests` forgets them.
    - `POST /sandbox/faults` arms a fault: `{"path", "status", "times",
      "retry_after", "method", "after_handling"}`, or `{"path", "delay", "times"}`;
      `DELETE /sandbox/faults` disarms every fault.
    """

    async def list_requests(request: Request) -> Response:
        path = request.query_params.get("path")
        chosen = controls.requests if path is None else controls.requests_to(path)
        return json_response([r.to_dict() for r in chosen])

    async def clear_requests(request: Request) -> Response:
        controls.clear_requests()
        return Response(status_code=204)

    async def arm_fault(request: Request) -> Response:
        try:
            spec = await request.json()
            if not isinstance(spec, dict):
                raise TypeError("expected a JSON object")
            path, times, method = spec["path"], int(spec.get("times", 1)), spec.get("method")
            if "delay" in spec:
                controls.delay_next(path, seconds=float(spec["delay"]), times=times, method=method)
            else:
                controls.fail_next(
                    path,
                    status=int(spec.get("status", 502)),
                    times=times,
                    retry_after=spec.get("retry_after"),
                    method=method,
                    after_handling=bool(spec.get("after_handling", False)),
                )
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"detail": f"Invalid fault: {exc}"}, status_code=400)
        return json_response({"armed": True}, status_code=201)

    async def clear_faults(request: Request) -> Response:
        controls.clear_faults()
        return Response(status_code=204)

    return [
        Route("/sandbox/requests", list_requests, methods=["GET"]),
        Route("/sandbox/requests", clear_requests, methods=["DELETE"]),
        Route("/sandbox/faults", arm_fault, methods=["POST"]),
        Route("/sandbox/faults", clear_faults, methods=["DELETE"]),
    ]


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host program's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every answer (headers and body written apart) waits ~40 ms for an ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _config(app: ASGIApp) -> uvicorn.Config:
    # No Date of uvicorn's: the sandbox writes its own, by its own clock.
    return uvicorn.Config(
        app, lifespan="off", log_level="warning", access_log=False, date_header=False
    )


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` on a socket while the block runs; yields its base URL.

    `port=0` takes a free port; an IPv6 `host` may be written in brackets, as in a
    URL (`[::1]`). The server stops, and its connections close, when the block ends.
    """
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    sock = _bind(host, port)
    server = _EmbeddedServer(_config(app))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: raise its error
                raise RuntimeError("the sandbox server stopped during startup")
            await asyncio.sleep(0.005)
        yield _base_url(host, sock.getsockname()[1])
    finally:
        server.should_exit = True
        try:
            await task
        finally:
            sock.close()


def run_server(
    app: ASGIApp, *, host: str, port: int, banner: Callable[[str], Iterable[str]]
) -> None:
    """Serve `app` until interrupted (Ctrl+C), printing `banner(base_url)` once it listens."""

    async def main() -> None:
        async with serve(app, host=host, port=port) as base_url:
            for line in banner(base_url):
                print(line, flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
