"""The benchmarks' loopback server: a raw ASGI app under uvicorn, in its own process.

    python benchmarks/_server.py --cpu 0 --max-seconds 120 --max-requests 200000

It binds 127.0.0.1 on a free port, prints `PORT <n>` on one line, and serves:

- `GET /api/gateway/wallets`: a fixed first page of 7 wallets (about 2 KB); with
  `limit` and `page`, page `page` of `--items` wallets, generated as asked, with a
  `next` link while there are more;
- `GET /api/gateway/payment-methods`: a fixed list of 5 methods (about 2 KB).

Anything else is a 404. It stops by itself after `--max-seconds`, after
`--max-requests` requests, or as soon as its standard input closes (the process
that started it is gone or done with it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn

from benchmarks import _data

WALLETS = "/api/gateway/wallets"
PAYMENT_METHODS = "/api/gateway/payment-methods"

_JSON_HEADERS = [(b"content-type", b"application/json")]


def make_app(base_url: str, *, items: int) -> Any:
    """The ASGI app: fixed bodies rendered once, pages rendered as asked."""
    fixed = {
        WALLETS: _data.first_wallet_page(base_url),
        PAYMENT_METHODS: _data.payment_methods_body(),
    }

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan is switched off; nothing else is served
            return
        path = scope["path"]
        status, body = 200, fixed.get(path)
        if path == WALLETS and scope["query_string"]:
            query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
            if "limit" in query:
                size = max(1, min(int(query["limit"]), 10_000))
                page = max(1, int(query.get("page", "1")))
                body = _data.wallet_page(base_url, page=page, size=size, total=items)
        if body is None:
            status, body = 404, b'{"detail": "Not found."}'
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--max-requests", type=int, default=500_000)
    parser.add_argument("--items", type=int, default=100_000, help="wallets behind the pages")
    args = parser.parse_args(argv)

    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every response written in two parts waits for a delayed ACK (~40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        make_app(f"http://127.0.0.1:{port}", items=args.items),
        lifespan="off",
        access_log=False,
        log_level="warning",
        limit_max_requests=args.max_requests,
        timeout_graceful_shutdown=1,
        backlog=1024,
    )
    server = uvicorn.Server(config)

    def stop(_reason: str) -> None:
        server.should_exit = True

    timer = threading.Timer(args.max_seconds, stop, args=("time",))
    timer.daemon = True
    timer.start()

    def watch_stdin() -> None:
        # Read the raw descriptor: a thread blocked in sys.stdin would hold its lock and
        # abort the interpreter's exit when the time limit, not stdin, stops the server.
        with contextlib.suppress(OSError):
            while os.read(stdin_fd, 4096):  # returns b"" at EOF: the parent closed it or died
                pass
        stop("stdin")

    stdin_fd = sys.stdin.fileno()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(f"PORT {port}", flush=True)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
