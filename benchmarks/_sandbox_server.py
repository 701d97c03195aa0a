"""The Gateway sandbox as a busy, possibly skewed server, in its own process.

    python benchmarks/_sandbox_server.py --service-time 0.005 --workers 1 --clock-offset 3

It binds 127.0.0.1 on a free port, prints `PORT <n>` on one line and serves
this checkout's `GatewaySandbox` (signatures checked as the reference says):
`--workers` requests at a time, each taking `--service-time` seconds, with a
clock `--clock-offset` seconds apart from this machine's (its `Date` headers and
its deadline checks both use it), refusing deadlines more than
`--max-window` seconds ahead. It stops after `--max-seconds`, or as soon as its
standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: this checkout's sandbox, whatever the path says
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import API_KEY, SECRET
from bitexgate.sandbox import GatewaySandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--service-time", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clock-offset", type=float, default=0.0)
    parser.add_argument("--max-window", type=float, default=60.0)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    offset = args.clock_offset
    sandbox = GatewaySandbox(
        api_key=API_KEY,
        secret=SECRET,
        max_signature_window=args.max_window,
        clock=lambda: time.time() + offset,
    )
    sandbox.throttle(args.service_time, workers=args.workers)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def watch_stdin() -> None:
            with contextlib.suppress(OSError):
                while os.read(sys.stdin.fileno(), 4096):  # b"" at EOF: the parent is done
                    pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch_stdin, daemon=True).start()
        loop.call_later(args.max_seconds, stop.set)
        async with sandbox.serve() as base_url:
            print(f"PORT {base_url.rsplit(':', 1)[1]}", flush=True)
            await stop.wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
