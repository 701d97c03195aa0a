"""8. The rate limiter: one shared through Redis against one in memory, per call.

    python benchmarks/bench_rate_limit.py [--quick] [--redis-url URL]

Three Gateway clients call this checkout's Gateway sandbox (in its own process,
on loopback, checking every signature): one without a rate limit, one with a
`LocalRateLimiter` and one with a `RedisRateLimiter`, both allowing 100,000 calls a
second, so neither ever makes a call wait: what is measured is what taking a
turn costs. They make the same call, `payment_methods.list()`, in rounds, back
to back, taking turns to go first (as in 1.), at 1, 10 and 100 in flight: req/s
is the median round's, a ratio the median of the rounds' ratios, p50/p99 over
every call of every round. "Added ms" is what a call of the Redis side costs more
than one of the local side, from req/s.

A turn under the Redis limiter is two round trips to Redis (the pause after a 429
read, then the window's script of `limits`), made by one task of the process at a
time, in order; the local one is a few comparisons in memory.

Redis is the server at `--redis-url` (only the benchmark's own keys are touched),
else a `redis-server` started for the run on loopback, empty and keeping nothing
on disk, as the tests start one. With neither, the table says it was skipped.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _harness as h

TITLE = "8. Rate limit: Redis against local, per call"
LEVELS = (1, 10, 100)
#: High enough that no call ever waits for its turn.
BUDGET = "100000/second"

HEADERS = [
    "call",
    "in flight",
    "none req/s",
    "local req/s",
    "Redis req/s",
    "local / none",
    "Redis / local",
    "added ms",
    "local p50 ms",
    "Redis p50 ms",
    "local p99 ms",
    "Redis p99 ms",
]

Call = Callable[[], Awaitable[Any]]


async def measure(base_url: str, url: str, *, quick: bool) -> list[list[Any]]:
    import redis.asyncio

    from bitexgate import BitexGateClient, LocalRateLimiter, RedisRateLimiter

    rounds, seconds, cap = (1, 0.05, 0) if quick else (8, 0.75, 200_000)
    key = f"bench:rate:{uuid.uuid4().hex}"
    connection = redis.asyncio.Redis.from_url(url)
    rows: list[list[Any]] = []

    def client(rate_limit: Any) -> BitexGateClient:
        return BitexGateClient(
            api_key=h.API_KEY, secret=h.SECRET, base_url=base_url, rate_limit=rate_limit
        )

    try:
        async with (
            client(None) as unpaced,
            client(LocalRateLimiter(BUDGET)) as local,
            client(RedisRateLimiter(connection, key=key, limit=BUDGET)) as shared,
        ):

            def methods(gw: BitexGateClient) -> Call:
                return gw.payment_methods.list

            for in_flight in LEVELS:
                sides = await h.paired_rounds(
                    {"none": methods(unpaced), "local": methods(local), "redis": methods(shared)},
                    in_flight=in_flight,
                    rounds=rounds,
                    seconds=seconds,
                    max_requests=max(cap, in_flight),
                    warmup=0 if quick else None,
                )
                none, mem, red = sides["none"], sides["local"], sides["redis"]
                added = 1000 / red.rps - 1000 / mem.rps if red.rps and mem.rps else 0.0
                rows.append(
                    [
                        "payment_methods.list",
                        in_flight,
                        none.rps,
                        mem.rps,
                        red.rps,
                        f"{mem.ratio_to(none):.3f}",
                        f"{red.ratio_to(mem):.3f}",
                        f"{added:+.3f}",
                        mem.p50_ms,
                        red.p50_ms,
                        mem.p99_ms,
                        red.p99_ms,
                    ]
                )
    finally:
        stale = [name async for name in connection.scan_iter(match=f"{key}:*")]
        if stale:
            await connection.delete(*stale)
        await connection.aclose()
    return rows


def run(*, quick: bool = False, redis: str | None = None) -> str:
    """Run the benchmark; the report as Markdown (or why it was skipped)."""
    return h.run_on_redis(
        title=TITLE,
        headers=HEADERS,
        serve=h.sandbox_server,
        measure=measure,
        quick=quick,
        redis=redis,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a few seconds)")
    parser.add_argument("--redis-url", help="a Redis to use (else one is started for the run)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick, redis=args.redis_url), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
