"""5. Signed calls under load and clock skew: how many arrive in time, and what it costs.

    python benchmarks/bench_deadline.py [--quick] [--sdk PATH]

The Gateway refuses a request whose `X-Timeout` deadline (0.5 s after signing,
by default) has passed on its clock when it gets to the request. Each case
starts this checkout's Gateway sandbox in a subprocess (`_sandbox_server.py`),
set up as a busy or a skewed server, and sends it a burst of
`payment_methods.list()` calls at once, all started together, with the client's
default settings:

- **busy**: the server handles one request at a time, 5 ms each (200 req/s), so
  a burst of 500 takes 2.5 s to serve: five windows;
- **behind** / **ahead**: an idle server whose clock is 3 s ahead of this
  machine's (this machine is behind) or 3 s behind it (this machine is ahead;
  the sandbox then refuses deadlines more than 3 s ahead of its clock).

Each is run on the default transport and on `fast_transport()`. The table gives
the calls that succeeded, the requests the server received beyond one a call
(re-signed and resent after a refusal, or retried), the wall time, and the
client's clock-offset estimate and in-flight cap at the end. With `--sdk PATH`
the client is the one in another checkout at PATH (to compare with an earlier
version: its sandbox still serves from this checkout).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from benchmarks import _harness as h

PATH = "/api/gateway/payment-methods"

#: (name, burst size, quick burst size, sandbox settings)
CASES: tuple[tuple[str, int, int, dict[str, Any]], ...] = (
    ("busy: 1 worker, 5 ms a request", 500, 60, {"service_time": 0.005, "workers": 1}),
    ("behind: server clock +3 s", 200, 20, {"clock_offset": 3.0}),
    ("ahead: server clock -3 s", 200, 20, {"clock_offset": -3.0, "max_window": 3.0}),
)

HEADERS = [
    "case",
    "transport",
    "calls",
    "succeeded",
    "resent",
    "seconds",
    "offset est. s",
    "cap at end",
    "errors",
]


async def burst(base_url: str, calls: int, *, fast: bool) -> list[Any]:
    """Start `calls` calls at once; one table row, less the case name."""
    from bitexgate import BitexGateClient, SDKError, fast_transport

    async with AsyncExitStack() as stack:
        options: dict[str, Any] = {"transport": fast_transport()} if fast else {}
        gw = await stack.enter_async_context(
            BitexGateClient(api_key=h.API_KEY, secret=h.SECRET, base_url=base_url, **options)
        )
        errors: Counter[str] = Counter()

        async def one() -> bool:
            try:
                await gw.payment_methods.list()
            except SDKError as exc:
                errors[type(exc).__name__] += 1
                return False
            return True

        started = time.perf_counter()
        results = await asyncio.gather(*(one() for _ in range(calls)))
        seconds = time.perf_counter() - started
        async with httpx.AsyncClient() as raw:
            journal = (await raw.get(base_url + "/sandbox/requests", params={"path": PATH})).json()
        offset = getattr(gw, "clock_offset", None)
        limit = getattr(getattr(gw, "_transport", None), "in_flight_limit", None)
        return [
            "fast" if fast else "default",
            calls,
            sum(results),
            len(journal) - calls,
            seconds,
            "-" if offset is None else f"{offset:+.2f}",
            "-" if limit is None else limit.limit,
            ", ".join(f"{name} x{count}" for name, count in errors.items()) or "-",
        ]


def run(*, quick: bool = False) -> str:
    """Run every case on both transports; the report as Markdown."""
    server_cpu, client_cpu = h.cores()
    rows: list[list[Any]] = []
    for name, calls, quick_calls, settings in CASES:
        for fast in (False, True):
            with (
                h.sandbox_server(cpu=server_cpu, max_seconds=120, **settings) as base_url,
                h.pinned(client_cpu),
            ):
                row = asyncio.run(burst(base_url, quick_calls if quick else calls, fast=fast))
            rows.append([name, *row])
    return h.table(HEADERS, rows, title="5. Deadlines: bursts against a busy or skewed server")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small bursts (seconds)")
    parser.add_argument("--sdk", type=Path, help="measure the client of the checkout at PATH")
    args = parser.parse_args(argv)
    if args.sdk is not None:
        sys.path.insert(0, str(args.sdk.resolve()))
    print(run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
