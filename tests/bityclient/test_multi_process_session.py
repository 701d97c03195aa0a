"""Four OS processes share one Bity session through Redis: one refresh per expiry.

Each process (`session_worker.py`) runs a BityClient on one RedisTokenStore and
sends 250 concurrent requests to the sandbox, served on loopback by this test,
with the stored access token expired. The sandbox must receive exactly one
refresh grant (it rotates the refresh token: a second grant with the same one
would be refused and end that process's session), no process may raise, and all
must end holding the newest token. Then again with a process killed (SIGKILL)
while it holds the refresh lock: the others wait for the lock to expire and go on.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import attrs
import pytest
import redis.asyncio

from bityclient import BityClient, RedisTokenStore, Token
from bityclient.sandbox import BitySandbox
from tests.served import ROOT, clean_env

from .session_worker import digest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

PROCESSES = 4
REQUESTS = 250
KEY = "bity:token:shared"
#: A guard against a hung child, not a timing assertion.
GUARD = 60.0


class Worker:
    """A running `session_worker` process, talked to through its stdin and stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, base_url: str, redis_url: str, *options: str) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.bityclient.session_worker",
            base_url,
            redis_url,
            KEY,
            BitySandbox().client_id,
            str(REQUESTS),
            *options,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=clean_env(),
            cwd=ROOT,
        )
        return cls(process)

    async def line(self) -> str:
        assert self.process.stdout is not None
        return (await asyncio.wait_for(self.process.stdout.readline(), GUARD)).decode().strip()

    async def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")
        await self.process.stdin.drain()

    async def result(self) -> dict[str, Any]:
        outcome: dict[str, Any] = json.loads(await self.line())
        assert await asyncio.wait_for(self.process.wait(), GUARD) == 0
        return outcome

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


@pytest.fixture
async def served() -> AsyncIterator[tuple[BitySandbox, str]]:
    sandbox = BitySandbox()
    async with sandbox.serve() as base_url:
        yield sandbox, base_url


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    """The workers a test starts; any still running at its end is killed."""
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()
        await worker.process.wait()


async def stored_session(
    sandbox: BitySandbox, base_url: str, redis_url: str, *, expired_here: bool
) -> tuple[redis.asyncio.Redis, Token]:
    """Log in, store the token, and expire it at the server (and, if asked, here too)."""
    connection = redis.asyncio.Redis.from_url(redis_url)
    store = RedisTokenStore(connection, key=KEY)
    async with BityClient(client_id=sandbox.client_id, base_url=base_url, token_store=store) as b:
        token = await b.login(username=sandbox.username, password=sandbox.password)
    if expired_here:  # the clients see it expired, and refresh before sending
        assert token.expires_at is not None
        token = attrs.evolve(token, expires_at=token.expires_at - timedelta(days=1))
        await store.save(token)
    sandbox.expire_tokens()  # the server refuses it: a client that sends it gets a 401
    return connection, token


def refresh_grants(sandbox: BitySandbox) -> int:
    """The refresh grants the sandbox received, accepted or refused."""
    posts = sandbox.requests_to("/o/token/", method="POST")
    return sum(parse_qs(post.body.decode())["grant_type"] == ["refresh_token"] for post in posts)


async def newest_token(sandbox: BitySandbox, connection: redis.asyncio.Redis) -> Token:
    """The stored token, checked to be the last one the sandbox issued."""
    stored = await RedisTokenStore(connection, key=KEY).load()
    assert stored is not None
    live = list(sandbox.state.accounts.access_tokens)
    assert live == [stored.access_token]  # rotation revoked every older one
    return stored


@pytest.mark.parametrize("expired_here", [True, False], ids=["expired", "refused-with-401"])
async def test_four_processes_make_one_refresh(
    redis_url: str,
    served: tuple[BitySandbox, str],
    workers: list[Worker],
    expired_here: bool,
) -> None:
    sandbox, base_url = served
    connection, first = await stored_session(
        sandbox, base_url, redis_url, expired_here=expired_here
    )
    for _ in range(PROCESSES):
        workers.append(await Worker.start(base_url, redis_url))
    for worker in workers:
        assert await worker.line() == "ready"
    for worker in workers:  # all at once, so their refreshes race
        await worker.go()
    results = [await worker.result() for worker in workers]

    assert refresh_grants(sandbox) == 1
    assert sandbox.refreshes == 1
    assert sandbox.tokens_issued == 2  # the login and the one refresh
    newest = await newest_token(sandbox, connection)
    assert newest.access_token != first.access_token
    assert results == [{"ok": REQUESTS, "errors": {}, "token": digest(newest.access_token)}] * 4
    assert not await connection.exists(f"{KEY}:lock")
    await connection.aclose()


async def test_a_process_killed_holding_the_refresh_lock_does_not_stop_the_others(
    redis_url: str, served: tuple[BitySandbox, str], workers: list[Worker]
) -> None:
    sandbox, base_url = served
    connection, first = await stored_session(sandbox, base_url, redis_url, expired_here=True)
    lock = ("--lock-timeout", "1")  # a short expiry; renewed while its holder lives
    holder = await Worker.start(base_url, redis_url, *lock, "--stall-refresh")
    workers.append(holder)
    assert await holder.line() == "ready"
    await holder.go()
    assert await holder.line() == "holding"  # it holds the lock, its grant about to leave
    assert await connection.exists(f"{KEY}:lock")

    others = [await Worker.start(base_url, redis_url, *lock) for _ in range(PROCESSES - 1)]
    workers.extend(others)
    for worker in others:
        assert await worker.line() == "ready"
    for worker in others:
        await worker.go()
    holder.process.send_signal(signal.SIGKILL)
    assert await asyncio.wait_for(holder.process.wait(), GUARD) == -signal.SIGKILL
    results = [await worker.result() for worker in others]

    assert refresh_grants(sandbox) == 1  # the dead holder's grant never left; one of the others'
    assert sandbox.refreshes == 1
    newest = await newest_token(sandbox, connection)
    assert newest.access_token != first.access_token
    assert results == [{"ok": REQUESTS, "errors": {}, "token": digest(newest.access_token)}] * 3
    assert not await connection.exists(f"{KEY}:lock")
    await connection.aclose()
