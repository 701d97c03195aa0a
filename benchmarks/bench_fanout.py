"""2. Fan-out: the SDK's calls at 100 in flight, on the default and on the fast transport.

    python benchmarks/bench_fanout.py [--quick]

The same SDK calls as the overhead benchmark, at 100 calls in flight, through
httpx's default transport (httpcore) and through `fast_transport()`
(httpx-aiohttp, the `[fast]` extra). For reference, the same request by hand
with raw httpx, with httpx over httpx-aiohttp and with raw aiohttp shows what
each HTTP stack itself reaches on this machine. As in the overhead benchmark,
the sides run back to back in rounds: req/s is the median round's, the ratio
the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from benchmarks import _harness as h
from benchmarks.bench_overhead import WALLETS, raw_call, sdk_calls
from bitexgate import BitexGateClient, sign
from common import DEFAULT_LIMITS, DEFAULT_TIMEOUT, fast_transport

TARGET = 4.0
IN_FLIGHT = 100

Call = Callable[[], Awaitable[Any]]


def has_fast_extra() -> bool:
    return importlib.util.find_spec("httpx_aiohttp") is not None


def raw_aiohttp_call(session: Any, base_url: str, path: str) -> Call:
    """The same signed request with aiohttp alone."""
    url = base_url + path

    async def call() -> Any:
        deadline = int(time.time() * 1000) + 500
        headers = {
            "Accept": "application/json",
            "X-Key": h.API_KEY,
            "X-Timeout": str(deadline),
            "X-Sign": sign(secret=h.SECRET, api_key=h.API_KEY, path=path, timeout=deadline),
        }
        async with session.get(url, headers=headers) as response:
            response.raise_for_status()
            return await response.json()

    return call


async def measure(base_url: str, *, quick: bool) -> tuple[list[list[Any]], list[list[Any]]]:
    rounds, seconds, cap = (1, 0.05, IN_FLIGHT) if quick else (8, 0.75, 200_000)
    warmup = 0 if quick else None  # quick: the measured calls open the connections
    fast = has_fast_extra()
    sdk_rows: list[list[Any]] = []
    reference_rows: list[list[Any]] = []
    async with AsyncExitStack() as stack:
        default = await stack.enter_async_context(
            BitexGateClient(api_key=h.API_KEY, secret=h.SECRET, base_url=base_url)
        )
        variants = {"default": sdk_calls(default)}
        if fast:
            fast_gateway = await stack.enter_async_context(
                BitexGateClient(
                    api_key=h.API_KEY,
                    secret=h.SECRET,
                    base_url=base_url,
                    transport=fast_transport(),
                )
            )
            variants["fast"] = sdk_calls(fast_gateway)
        for name in ("wallets.list", "payment_methods.list"):
            sides = await h.paired_rounds(
                {kind: calls[name] for kind, calls in variants.items()},
                in_flight=IN_FLIGHT,
                rounds=rounds,
                seconds=seconds,
                max_requests=cap,
                warmup=warmup,
            )
            default_side = sides["default"]
            row: list[Any] = [name, IN_FLIGHT, default_side.rps, default_side.p99_ms]
            if fast:
                fast_side = sides["fast"]
                ratio = fast_side.ratio_to(default_side)
                row += [fast_side.rps, fast_side.p99_ms, f"{ratio:.2f}"]
                row.append(h.verdict(ratio >= TARGET))
            else:
                row += ["-", "-", "-", 'skipped: pip install "cryptopay-async[fast]"']
            sdk_rows.append(row)

        # What each HTTP stack reaches by itself, on the same signed request.
        raw = await stack.enter_async_context(
            httpx.AsyncClient(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT)
        )
        references: dict[str, Call] = {"raw httpx": raw_call(raw, base_url, WALLETS)}
        if fast:
            import aiohttp

            over = await stack.enter_async_context(
                httpx.AsyncClient(transport=fast_transport(), timeout=DEFAULT_TIMEOUT)
            )
            references["raw httpx over httpx-aiohttp"] = raw_call(over, base_url, WALLETS)
            session = await stack.enter_async_context(
                aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT))
            )
            references["raw aiohttp"] = raw_aiohttp_call(session, base_url, WALLETS)
        measured = await h.paired_rounds(
            references,
            in_flight=IN_FLIGHT,
            rounds=rounds,
            seconds=seconds,
            max_requests=cap,
            warmup=warmup,
        )
        for name, side in measured.items():
            reference_rows.append([name, IN_FLIGHT, side.rps, side.p50_ms, side.p99_ms])
    return sdk_rows, reference_rows


SDK_HEADERS = [
    "SDK call",
    "in flight",
    "default req/s",
    "default p99 ms",
    "fast req/s",
    "fast p99 ms",
    "fast / default",
    f"target >= {TARGET:.0f}x",
]
REFERENCE_HEADERS = ["same request by hand (wallets)", "in flight", "req/s", "p50 ms", "p99 ms"]


def run(*, quick: bool = False) -> str:
    """Run the benchmark; the report as Markdown."""
    server_cpu, client_cpu = h.cores()
    with (
        h.server(cpu=server_cpu, max_seconds=60 if quick else 600) as base_url,
        h.pinned(client_cpu),
    ):
        sdk_rows, reference_rows = asyncio.run(measure(base_url, quick=quick))
    return "\n".join(
        (
            h.table(SDK_HEADERS, sdk_rows, title="2. Fan-out: default transport against fast"),
            h.table(REFERENCE_HEADERS, reference_rows, title="2b. The HTTP stacks alone"),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a few seconds)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
