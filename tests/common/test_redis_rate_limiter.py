"""The Redis limiter against a real redis-server: one budget and one pause for all who share it.

Two limiters on the same key stand for two processes. Periods are long (a minute)
where a test only needs to see a turn refused, so nothing waits on the clock.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from bitexgate import BitexGateClient, RateLimitError, RetryPolicy
from bitexgate.sandbox import GatewaySandbox
from common import RedisRateLimiter, SharedStoreError, ValidationError
from common._pacing import TurnTimeout
from tests.bitexgate.sandbox.conftest import BASE_URL
from tests.served import closed_port

KEY = "cryptopay-test:rate"


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    made = redis.asyncio.Redis.from_url(redis_url)
    yield made
    await made.aclose()


def limiter(client: redis.asyncio.Redis, limit: str, key: str = KEY) -> RedisRateLimiter:
    return RedisRateLimiter(client, key=key, limit=limit)


async def test_two_limiters_on_one_key_share_one_budget(client: redis.asyncio.Redis) -> None:
    here, there = limiter(client, "3 per minute"), limiter(client, "3 per minute")
    await here.acquire()
    await there.acquire()
    await here.acquire()
    with pytest.raises(TurnTimeout) as caught:  # the next turn is a minute away: said at once
        await there.acquire(timeout=5)
    assert caught.value.paused_for is None
    assert there.waiting == 0
    other_key = limiter(client, "3 per minute", key="cryptopay-test:other")
    await other_key.acquire(timeout=1)  # another key, another budget
    assert sorted(await client.keys("cryptopay-test:*")) == [
        b"cryptopay-test:other:rate/3/60/second",
        b"cryptopay-test:rate:rate/3/60/second",
    ]


async def test_the_head_waits_for_the_window_and_then_goes(client: redis.asyncio.Redis) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(seconds)

    paced = RedisRateLimiter(client, key=KEY, limit="2/second", sleep=sleep)
    await asyncio.gather(*(paced.acquire(timeout=10) for _ in range(3)))
    assert len(slept) >= 1  # the third waited for the first two to leave the window
    assert all(0 < seconds <= 1 for seconds in slept)


async def test_a_pause_written_by_one_holds_the_other_and_is_never_shortened(
    client: redis.asyncio.Redis,
) -> None:
    here, there = limiter(client, "100/second"), limiter(client, "100/second")
    await here.pause(30)
    await there.pause(1)  # shorter: the 30 s one stays
    assert 29_000 < await client.pttl(f"{KEY}:pause") <= 30_000
    with pytest.raises(TurnTimeout) as caught:
        await there.acquire(timeout=5)
    assert caught.value.paused_for == pytest.approx(30, abs=1)
    # Now this process knows of the pause: a queued request is told without asking Redis.
    assert there._pause_left(there._clock(), None) == pytest.approx(30, abs=1)


async def test_the_request_that_got_the_429_is_let_through_after_sleeping_it_out(
    client: redis.asyncio.Redis,
) -> None:
    here, there = limiter(client, "100/second"), limiter(client, "100/second")
    ticket = await here._pause(30)
    assert ticket.token is not None
    # Its retry (after the retry policy's own sleep) goes, although the key still reads 30 s.
    assert await here._wait_turn(1, waited=ticket) is ticket
    with pytest.raises(TurnTimeout):  # no one else does
        await there._wait_turn(1, waited=None)
    await there._pause(60)  # a longer pause since: the ticket no longer lets it through
    with pytest.raises(TurnTimeout) as caught:
        await here._wait_turn(1, waited=ticket)
    assert caught.value.paused_for == pytest.approx(60, abs=1)


async def test_a_short_pause_is_waited_out(client: redis.asyncio.Redis) -> None:
    here, there = limiter(client, "100/second"), limiter(client, "100/second")
    await here.pause(0.2)
    await there.acquire(timeout=5)
    assert await client.exists(f"{KEY}:pause") == 0


async def test_a_task_cancelled_while_queued_takes_no_turn(client: redis.asyncio.Redis) -> None:
    paced = limiter(client, "1 per minute")
    await paced.acquire()
    head = asyncio.create_task(paced.acquire())
    queued = asyncio.create_task(paced.acquire())
    await asyncio.sleep(0.05)
    assert paced.waiting == 2
    queued.cancel()
    head.cancel()
    await asyncio.gather(head, queued, return_exceptions=True)
    assert paced.waiting == 0
    window = await client.lrange(f"{KEY}:rate/1/60/second", 0, -1)
    assert len(window) == 1  # only the turn taken


async def test_a_429_seen_by_one_process_holds_the_calls_of_another(
    client: redis.asyncio.Redis,
) -> None:
    async with GatewaySandbox() as sandbox:

        def gateway(name: str) -> BitexGateClient:
            return BitexGateClient(
                api_key=sandbox.api_key,
                secret=sandbox.secret,
                base_url=BASE_URL,
                transport=sandbox.transport(),
                timeout=5.0,
                retry=RetryPolicy(max_retries=0),
                rate_limit=limiter(client, "100/second"),
            )

        async with gateway("one") as one, gateway("two") as two:
            sandbox.fail_next("/api/gateway/wallets", status=429, retry_after=30)
            with pytest.raises(RateLimitError):
                await one.wallets.list()
            with pytest.raises(RateLimitError) as caught:
                await two.payment_methods.list()  # the other "process"
        assert [r.path for r in sandbox.requests] == ["/api/gateway/wallets"]
    assert not caught.value.may_have_reached_server
    assert caught.value.retry_after == pytest.approx(30, abs=1)


# --- when Redis fails ---------------------------------------------------------------------------


async def test_redis_down_is_a_shared_store_error_without_the_password() -> None:
    port = closed_port()
    down = redis.asyncio.Redis.from_url(f"redis://:s3cret-pass@127.0.0.1:{port}/2")
    try:
        with pytest.raises(SharedStoreError) as caught:
            await limiter(down, "20/second").acquire(timeout=5)
    finally:
        await down.aclose()
    text = str(caught.value)
    assert f"Redis key 'cryptopay-test:rate' (127.0.0.1:{port}/2)" in text
    assert "Redis cannot be reached" in text
    assert "s3cret-pass" not in text
    assert "not sent" in text
    assert caught.value.__cause__ is None
    assert not caught.value.may_have_reached_server


async def test_a_client_never_sends_unpaced_when_redis_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = redis.asyncio.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0")
    caplog.set_level(logging.INFO, logger="bitexgate")
    async with GatewaySandbox() as sandbox:
        async with BitexGateClient(
            api_key=sandbox.api_key,
            secret=sandbox.secret,
            base_url=BASE_URL,
            transport=sandbox.transport(),
            retry=RetryPolicy(max_retries=2, initial_delay=0),
            rate_limit=limiter(down, "20/second"),
        ) as gw:
            with pytest.raises(SharedStoreError) as caught:
                await gw.payment_methods.list()
        assert sandbox.requests == []
    await down.aclose()
    assert str(caught.value).startswith(f"GET {BASE_URL}/api/gateway/payment-methods: ")
    # Nothing was sent, so it is retried like a failed connection, then raised.
    assert sum("SharedStoreError; retrying" in r.getMessage() for r in caplog.records) == 2


async def test_a_redis_that_does_not_answer_is_given_up_within_the_wait_allowed() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        hung = redis.asyncio.Redis.from_url(f"redis://127.0.0.1:{port}/0")
        try:
            with pytest.raises(SharedStoreError) as caught:
                await limiter(hung, "20/second").acquire(timeout=0.2)
        finally:
            await hung.aclose()
    assert "Redis did not answer within" in str(caught.value)


# --- construction -------------------------------------------------------------------------------


async def test_it_takes_an_asyncio_redis_client_and_a_plain_key(
    client: redis.asyncio.Redis,
) -> None:
    with pytest.raises(TypeError, match=r"redis\.asyncio\.Redis"):
        RedisRateLimiter("redis://127.0.0.1:6379/0", key=KEY, limit="20/second")
    for key in ("", "has space", "new\nline", "x" * 201, None):
        with pytest.raises(ValidationError) as caught:
            RedisRateLimiter(client, key=key, limit="20/second")  # type: ignore[arg-type]
        assert caught.value.field == "key"
    with pytest.raises(ValidationError):
        RedisRateLimiter(client, key=KEY, limit="twenty a second")
    made = RedisRateLimiter(client, key=KEY, limit="20/second")
    assert made.key == KEY
    assert "20 per second" in repr(made)
    assert "127.0.0.1" in repr(made)
