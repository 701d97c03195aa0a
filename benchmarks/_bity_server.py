"""The Bity sandbox in its own process, for the benchmarks that need Bity's OAuth session.

    python benchmarks/_bity_server.py [--cpu N] [--max-seconds S]

It binds 127.0.0.1 on a free port, prints `PORT <n>` on one line and serves
this checkout's `BitySandbox` (its demo user, tokens rotated on refresh). It
stops after `--max-seconds`, or as soon as its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import threading
from pathlib import Path

if __package__ in (None, ""):  # run as a script: this checkout's sandbox, whatever the path says
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bityclient.sandbox import BitySandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    sandbox = BitySandbox()

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
