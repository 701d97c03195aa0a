"""One process of the shared-session tests: a BityClient on a RedisTokenStore, many requests.

    python -m tests.bityclient.session_worker BASE_URL REDIS_URL KEY CLIENT_ID REQUESTS
        [--lock-timeout SECONDS] [--stall-refresh]

It makes its client (no token: it loads the stored one), prints `ready`, waits
for a line on stdin, sends REQUESTS concurrent `orders.list()` first pages, and
prints one JSON line: how many succeeded, the errors by class name, and a digest
of the access token it ends with (never the token itself).

With `--stall-refresh`, its refresh grant never leaves the process: when the
client is about to send it (holding the store's refresh lock), it prints
`holding` and waits for ever, to be killed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections import Counter

import httpx
import redis.asyncio

from bityclient import BityClient, RedisTokenStore, RetryPolicy

#: Retries as the default policy allows, without waiting.
NO_WAIT = RetryPolicy(initial_delay=0.0, max_delay=0.0, jitter=0.0)


def digest(access_token: str) -> str:
    """What the tests compare tokens by: never the token itself on stdout."""
    return hashlib.sha256(access_token.encode()).hexdigest()[:16]


class StalledRefresh(httpx.AsyncBaseTransport):
    """The network, except that a token grant announces itself and never leaves."""

    def __init__(self) -> None:
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/o/token/":
            print("holding", flush=True)
            await asyncio.Event().wait()
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


async def main(args: argparse.Namespace) -> None:
    connection = redis.asyncio.Redis.from_url(args.redis_url)
    store = RedisTokenStore(connection, key=args.key, lock_timeout=args.lock_timeout)
    async with BityClient(
        client_id=args.client_id,
        base_url=args.base_url,
        token_store=store,
        retry=NO_WAIT,
        transport=StalledRefresh() if args.stall_refresh else None,
    ) as bity:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        outcomes = await asyncio.gather(
            *(bity.orders.list() for _ in range(args.requests)), return_exceptions=True
        )
        errors = Counter(type(o).__name__ for o in outcomes if isinstance(o, BaseException))
        token = bity.token
        print(
            json.dumps(
                {
                    "ok": len(outcomes) - sum(errors.values()),
                    "errors": dict(errors),
                    "token": None if token is None else digest(token.access_token),
                }
            ),
            flush=True,
        )
    await connection.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("redis_url")
    parser.add_argument("key")
    parser.add_argument("client_id")
    parser.add_argument("requests", type=int)
    parser.add_argument("--lock-timeout", type=float, default=10.0)
    parser.add_argument("--stall-refresh", action="store_true")
    asyncio.run(main(parser.parse_args()))
