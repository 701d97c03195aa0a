"""One process of the shared rate limit test: calls a sandbox as fast as its shared limit lets it.

    python -m tests.rate_limit_worker BASE_URL REDIS_URL --key K --limit 20/second \
        --seconds 3 --tasks 8 --api-key KEY --secret SECRET

It builds its Gateway client and its `RedisRateLimiter`, prints `READY`, waits
for a line on standard input (so every process starts at once, after its
imports), then keeps `--tasks` calls going for `--seconds`, cancels what is
still waiting, and prints one JSON line: the calls that succeeded and the errors.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys

import redis.asyncio

from bitexgate import BitexGateClient, RedisRateLimiter, SDKError


async def run(args: argparse.Namespace) -> dict[str, object]:
    client = redis.asyncio.Redis.from_url(args.redis_url)
    limiter = RedisRateLimiter(client, key=args.key, limit=args.limit)
    done = 0
    errors: collections.Counter[str] = collections.Counter()
    async with BitexGateClient(
        api_key=args.api_key, secret=args.secret, base_url=args.base_url, rate_limit=limiter
    ) as gw:
        await client.ping()  # connected before the start, off the clock
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

        async def calls() -> None:
            nonlocal done
            while True:
                try:
                    await gw.payment_methods.list()
                except SDKError as exc:
                    errors[type(exc).__name__] += 1
                else:
                    done += 1

        tasks = [asyncio.create_task(calls()) for _ in range(args.tasks)]
        await asyncio.sleep(args.seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await client.aclose()
    return {"calls": done, "errors": dict(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("redis_url")
    parser.add_argument("--key", required=True)
    parser.add_argument("--limit", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--secret", required=True)
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
