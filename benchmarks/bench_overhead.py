"""1. Request overhead: the SDK's signed gateway calls against the same calls by hand.

    python benchmarks/bench_overhead.py [--quick]

Both sides make the same signed request (`X-Key`, `X-Timeout`, `X-Sign` over the
same bytes) to the same loopback server and parse the same JSON; the SDK also
checks it and builds its models. The hand-written side is a raw
`httpx.AsyncClient` with the SDK's pool limits and timeout, so the ratio is what
the SDK's own code costs. Measured at 1, 10 and 100 calls in flight, in rounds
where the two sides run back to back (taking turns to go first): req/s is the
median round's, the ratio the median of the rounds' ratios, p50/p99 over every
call of every round.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from benchmarks import _harness as h
from bitexgate import BitexGateClient, sign
from common import DEFAULT_LIMITS, DEFAULT_TIMEOUT

TARGET = 0.90
LEVELS = (1, 10, 100)
WALLETS = "/api/gateway/wallets"
PAYMENT_METHODS = "/api/gateway/payment-methods"

Call = Callable[[], Awaitable[Any]]


def raw_call(client: httpx.AsyncClient, base_url: str, path: str) -> Call:
    """The call written by hand: sign, send, check the status, parse the JSON."""
    url = base_url + path

    async def call() -> Any:
        deadline = int(time.time() * 1000) + 500
        headers = {
            "Accept": "application/json",
            "X-Key": h.API_KEY,
            "X-Timeout": str(deadline),
            "X-Sign": sign(secret=h.SECRET, api_key=h.API_KEY, path=path, timeout=deadline),
        }
        response = await client.get(url, headers=headers)
        response.raise_for_status()
        return response.json()

    return call


def sdk_calls(gateway: BitexGateClient) -> dict[str, Call]:
    async def wallets() -> Any:
        return await gateway.wallets.list()  # the first page

    return {"wallets.list": wallets, "payment_methods.list": gateway.payment_methods.list}


async def measure(base_url: str, *, quick: bool) -> list[list[Any]]:
    rounds, seconds, cap = (1, 0.05, 0) if quick else (8, 0.75, 200_000)
    rows: list[list[Any]] = []
    async with (
        httpx.AsyncClient(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT) as raw,
        BitexGateClient(api_key=h.API_KEY, secret=h.SECRET, base_url=base_url) as gateway,
    ):
        sdk = sdk_calls(gateway)
        for name, path in (("wallets.list", WALLETS), ("payment_methods.list", PAYMENT_METHODS)):
            for in_flight in LEVELS:
                sides = await h.paired_rounds(
                    {"raw": raw_call(raw, base_url, path), "sdk": sdk[name]},
                    in_flight=in_flight,
                    rounds=rounds,
                    seconds=seconds,
                    max_requests=max(cap, in_flight),
                    warmup=0 if quick else None,  # quick: the measured calls open the connections
                )
                raw_side, sdk_side = sides["raw"], sides["sdk"]
                ratio = sdk_side.ratio_to(raw_side)
                rows.append(
                    [
                        name,
                        in_flight,
                        raw_side.rps,
                        sdk_side.rps,
                        f"{ratio:.3f}",
                        raw_side.p50_ms,
                        raw_side.p99_ms,
                        sdk_side.p50_ms,
                        sdk_side.p99_ms,
                        h.verdict(ratio >= TARGET),
                    ]
                )
    return rows


HEADERS = [
    "call",
    "in flight",
    "raw httpx req/s",
    "SDK req/s",
    "SDK / raw",
    "raw p50 ms",
    "raw p99 ms",
    "SDK p50 ms",
    "SDK p99 ms",
    f"target >= {TARGET:.2f}",
]


def run(*, quick: bool = False) -> str:
    """Run the benchmark; the report as Markdown."""
    server_cpu, client_cpu = h.cores()
    with (
        h.server(cpu=server_cpu, max_seconds=60 if quick else 600) as base_url,
        h.pinned(client_cpu),
    ):
        rows = asyncio.run(measure(base_url, quick=quick))
    return h.table(HEADERS, rows, title="1. Request overhead: SDK against raw httpx")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a few seconds)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
