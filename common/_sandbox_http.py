"""The sandboxes' shared HTTP pieces: JSON answers, the control routes, serving on a socket.

`control_routes()` lets a test in another process read the journal and arm
faults under `/sandbox/`. `serve()` puts an app on a loopback socket with
uvicorn for as long as a block runs; `run_server()` serves until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ._sandbox_controls import DROPS, SandboxControls
from ._sandbox_index import Param, control

__all__ = ["control_routes", "json_response", "run_server", "serve"]


def json_response(data: Any, status_code: int = 200) -> Response:
    """A JSON answer written as the APIs write it (UTF-8, no ASCII escaping)."""
    return JSONResponse(data, status_code=status_code)


def control_routes(controls: SandboxControls) -> list[Route]:
    """The HTTP controls both sandboxes share, for tests in another process: the
    journal of requests (`/sandbox/requests`) and the faults (`/sandbox/faults`).

    Each route says what it does and takes, as `GET /sandbox/` lists it.
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
            elif "drop" in spec:
                if spec["drop"] not in DROPS:
                    raise ValueError(f"drop must be one of {', '.join(DROPS)}")
                controls.drop_next(
                    path,
                    timeout=spec["drop"] == DROPS[1],
                    times=times,
                    method=method,
                    after_handling=bool(spec.get("after_handling", False)),
                )
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
        control(
            "GET",
            "/sandbox/requests",
            list_requests,
            "The API requests received, oldest first (credentials redacted).",
            Param("path", "only the requests to this path", where="query"),
        ),
        control("DELETE", "/sandbox/requests", clear_requests, "Forget the requests received."),
        control(
            "POST",
            "/sandbox/faults",
            arm_fault,
            "Arm a fault: the next requests to a path fail with a status, or (with `drop`) "
            "lose their connection, or (with `delay`) are held that many seconds first.",
            Param("path", "the API path, e.g. /api/gateway/wallets", required=True),
            Param("status", "the error status to answer (400-599; default 502)", type="integer"),
            Param("times", "how many requests (default 1)", type="integer"),
            Param("retry_after", "seconds for a Retry-After header", type="integer"),
            Param("method", "only requests with this method"),
            Param(
                "after_handling",
                "handle the request first, then lose its answer (the outcome-unknown case)",
                type="boolean",
            ),
            Param(
                "drop",
                "lose the connection instead of answering: reset or timeout",
            ),
            Param(
                "delay",
                "hold the requests this many seconds instead of failing them",
                type="number",
            ),
        ),
        control("DELETE", "/sandbox/faults", clear_faults, "Disarm every fault not yet used."),
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
