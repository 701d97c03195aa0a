"""7. The token store: a Bity session kept in Redis against one kept in memory, per call.

    python benchmarks/bench_token_store.py [--quick] [--redis-url URL]

Two BityClients log in to this checkout's Bity sandbox (in its own process, on
loopback): one keeps its session in memory (the default `MemoryTokenStore`), the
other in Redis (`RedisTokenStore`). They make the same calls in rounds, back to
back, taking turns to go first (as in 1.): req/s is the median round's, the ratio
the median of the rounds' ratios, p50/p99 over every call of every round.

- `orders.list()` (the first page) with a fresh token, at 1, 10 and 100 in flight:
  what the store costs an ordinary request. A client reads the store when it has
  no token and writes it at each new token; a request whose token is fresh does
  not touch it, so the ratio should be about 1.
- `refresh()`, one at a time: the refresh grant under the store's lock, with the
  stored token read again before it and the new one saved after it (in Redis:
  take the lock, GET, SET, release: four round trips) against the same grant in
  memory. "Added ms" is what each call of the Redis side costs more, from req/s.

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

TITLE = "7. Token store: Redis against memory, per call"
LEVELS = (1, 10, 100)

HEADERS = [
    "call",
    "in flight",
    "memory req/s",
    "Redis req/s",
    "Redis / memory",
    "added ms",
    "memory p50 ms",
    "Redis p50 ms",
    "memory p99 ms",
    "Redis p99 ms",
]

Call = Callable[[], Awaitable[Any]]


async def measure(base_url: str, url: str, *, quick: bool) -> list[list[Any]]:
    import redis.asyncio

    from bityclient import BityClient, RedisTokenStore
    from bityclient.sandbox import DEMO_CLIENT_ID, DEMO_PASSWORD, DEMO_USERNAME

    rounds, seconds, cap = (1, 0.05, 0) if quick else (8, 0.75, 200_000)
    key = f"bench:bity:token:{uuid.uuid4().hex}"
    connection = redis.asyncio.Redis.from_url(url)
    rows: list[list[Any]] = []
    try:
        async with (
            BityClient(client_id=DEMO_CLIENT_ID, base_url=base_url) as memory,
            BityClient(
                client_id=DEMO_CLIENT_ID,
                base_url=base_url,
                token_store=RedisTokenStore(connection, key=key),
            ) as shared,
        ):
            for bity in (memory, shared):
                await bity.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)

            def orders(bity: BityClient) -> Call:
                async def call() -> Any:
                    return await bity.orders.list()  # the first page

                return call

            cases: list[tuple[str, int, Call, Call]] = [
                ("orders.list", level, orders(memory), orders(shared)) for level in LEVELS
            ]
            cases.append(("refresh", 1, memory.refresh, shared.refresh))
            for name, in_flight, on_memory, on_redis in cases:
                sides = await h.paired_rounds(
                    {"memory": on_memory, "redis": on_redis},
                    in_flight=in_flight,
                    rounds=rounds,
                    seconds=seconds,
                    max_requests=max(cap, in_flight),
                    warmup=0 if quick else None,
                )
                mem, red = sides["memory"], sides["redis"]
                added = 1000 / red.rps - 1000 / mem.rps if red.rps and mem.rps else 0.0
                rows.append(
                    [
                        name,
                        in_flight,
                        mem.rps,
                        red.rps,
                        f"{red.ratio_to(mem):.3f}",
                        f"{added:+.3f}",
                        mem.p50_ms,
                        red.p50_ms,
                        mem.p99_ms,
                        red.p99_ms,
                    ]
                )
    finally:
        await connection.delete(key, f"{key}:lock")
        await connection.aclose()
    return rows


def run(*, quick: bool = False, redis: str | None = None) -> str:
    """Run the benchmark; the report as Markdown (or why it was skipped)."""
    return h.run_on_redis(
        title=TITLE, headers=HEADERS, serve=h.bity_server, measure=measure, quick=quick, redis=redis
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
