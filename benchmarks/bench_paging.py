"""4. Paging memory: `async for` over 100,000 items against 1,000, peak memory by tracemalloc.

    python benchmarks/bench_paging.py [--quick]

The loopback server pages 100,000 wallets (`count / next / results`, 500 a page);
the SDK walks them with `async for wallet in gw.wallets.list(page_size=500)`,
looking at each and keeping none. Streaming holds one page at a time, so the
peak must not grow with the number of items: the walk over 100,000 is compared
with the walk over 1,000 (two pages) in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h
from bitexgate import BitexGateClient

#: "Within a few MB": the most the peak may grow from 1,000 items to 100,000.
TARGET_MB = 4.0


async def walk(base_url: str, *, items: int, page_size: int) -> tuple[int, float, float]:
    """(items seen, seconds, peak MB over the walk) for one `async for` over `items`."""
    async with BitexGateClient(api_key=h.API_KEY, secret=h.SECRET, base_url=base_url) as gw:
        await gw.wallets.list(page_size=page_size)  # connect and warm up before measuring
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            started = time.perf_counter()
            seen = 0
            checksum = 0
            async for wallet in gw.wallets.list(page_size=page_size, max_items=items):
                seen += 1
                checksum += len(wallet.address)  # look at each one, keep none
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    if checksum <= 0:
        raise RuntimeError("the walk saw no wallet")
    return seen, elapsed, peak / 1e6


async def measure(base_url: str, *, small: int, large: int, page_size: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    baseline = 0.0
    for items in (small, large):
        seen, seconds, peak = await walk(base_url, items=items, page_size=page_size)
        if items == small:
            baseline = peak
        growth = peak - baseline
        rows.append(
            [
                f"{seen:,} wallets",
                -(-seen // page_size),
                seconds,
                seen / seconds,
                peak,
                growth,
                h.verdict(growth <= TARGET_MB) if items == large else "-",
            ]
        )
    return rows


HEADERS = [
    "async for over",
    "pages",
    "seconds",
    "items/s (tracemalloc on)",
    "peak MB",
    "growth MB",
    f"target <= {TARGET_MB:.0f} MB",
]


def run(*, quick: bool = False) -> str:
    """Run the benchmark; the report as Markdown."""
    small, large, page_size = (100, 2_000, 100) if quick else (1_000, 100_000, 500)
    server_cpu, client_cpu = h.cores()
    with (
        h.server(cpu=server_cpu, max_seconds=60 if quick else 600, items=large) as base_url,
        h.pinned(client_cpu),
    ):
        rows = asyncio.run(measure(base_url, small=small, large=large, page_size=page_size))
    return h.table(HEADERS, rows, title="4. Paging memory: streaming many items against few")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a second or so)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
