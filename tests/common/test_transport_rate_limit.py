"""The transport paces each attempt before its auth flow, and a 429 pauses every request."""

from __future__ import annotations

import asyncio
from collections.abc import Generator

import httpx
import pytest

from common import (
    ConnectError,
    LocalRateLimiter,
    RateLimit,
    RateLimitError,
    RetryPolicy,
    Transport,
    ValidationError,
)
from tests.manual_time import ManualTime, settle

BASE = "https://api.example.test"


class CountingAuth(httpx.Auth):
    """Signs by counting: each request gets the number of its auth flow."""

    def __init__(self) -> None:
        self.signed = 0

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.signed += 1
        request.headers["X-Signed"] = str(self.signed)
        yield request


class Server:
    """Answers 200 (or the statuses queued in `answers`) and notes each request's path."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self.answers.pop(0) if self.answers else httpx.Response(200, json={})


def transport(server: Server, time: ManualTime, limit: str | None, **kwargs: object) -> Transport:
    limiter = (
        LocalRateLimiter(limit, clock=time.clock, sleep=time.sleep) if limit is not None else None
    )
    made = Transport(
        BASE,
        transport=httpx.MockTransport(server),
        sleep=time.sleep,
        rate_limit=limiter,
        **kwargs,  # type: ignore[arg-type]
    )
    if limiter is None:  # the pause-only pacer runs on the manual clock too
        made._pacer._clock = time.clock
    return made


async def test_requests_wait_their_turn_unsigned_and_are_signed_as_they_go() -> None:
    time, server, auth = ManualTime(), Server(), CountingAuth()
    async with transport(server, time, "2/second", auth=auth, max_in_flight=10) as paced:
        calls = [asyncio.create_task(paced.request("GET", f"/{n}")) for n in range(5)]
        await settle()
        assert (auth.signed, server.paths) == (2, ["/0", "/1"])
        await time.advance(1.0)
        assert (auth.signed, server.paths) == (4, ["/0", "/1", "/2", "/3"])
        await time.advance(1.0)
        await asyncio.gather(*calls)
    assert server.paths == [f"/{n}" for n in range(5)]
    assert auth.signed == 5


async def test_a_token_grant_takes_the_next_turn_ahead_of_those_waiting() -> None:
    time, server = ManualTime(), Server()
    async with transport(server, time, "1/second") as paced:
        calls = [asyncio.create_task(paced.request("GET", f"/{n}")) for n in range(3)]
        await settle()
        # A request sent uncapped (a token grant, which capped requests may wait on)...
        grant = asyncio.create_task(paced.request("POST", "/token", form={}, capped=False))
        await settle()
        for _ in range(4):
            await time.advance(1.0)
        await asyncio.gather(*calls, grant)
    # ...goes after the one asleep at the head of the queue, before the rest.
    assert server.paths == ["/0", "/1", "/token", "/2"]


async def test_a_429_pauses_every_request_once_and_its_own_is_retried_after_it() -> None:
    time = ManualTime()
    server = Server(httpx.Response(429, headers={"Retry-After": "2"}))
    async with transport(server, time, None) as paced:  # no rate limit: the pause holds all
        first = asyncio.create_task(paced.request("GET", "/limited"))
        await settle()
        assert server.paths == ["/limited"]  # answered 429; it sleeps its 2 s
        others = [asyncio.create_task(paced.request("GET", f"/{n}")) for n in range(10)]
        await settle()
        await time.advance(1.9)
        assert server.paths == ["/limited"]  # nothing went out during the pause
        await time.advance(0.1)
        await asyncio.gather(first, *others)
    assert server.paths.count("/limited") == 2
    assert sorted(server.paths[1:]) == sorted(["/limited", *(f"/{n}" for n in range(10))])
    # One sleep for the 429's retry, one for the task at the head of the queue.
    assert time.sleeps == [2.0, pytest.approx(2.0)]


async def test_a_pause_longer_than_the_pool_timeout_fails_a_request_at_once_unsent() -> None:
    time = ManualTime()
    server = Server(httpx.Response(429, headers={"Retry-After": "120"}))
    timeout = httpx.Timeout(10.0, pool=5.0)
    async with transport(server, time, None, timeout=timeout) as paced:
        with pytest.raises(RateLimitError) as sent:
            await paced.request("GET", "/limited")  # 120 s: over max_retry_after, raised
        assert sent.value.may_have_reached_server
        with pytest.raises(RateLimitError) as held:
            await paced.request("GET", "/other")
    assert server.paths == ["/limited"]
    error = held.value
    assert error.retry_after == pytest.approx(120)
    assert not error.may_have_reached_server
    assert not error.outcome_unknown
    assert "was not sent" in str(error)
    assert time.sleeps == []


async def test_a_read_held_by_a_pause_within_max_retry_after_waits_it_out() -> None:
    time = ManualTime()
    server = Server(httpx.Response(429, headers={"Retry-After": "20"}))
    timeout = httpx.Timeout(10.0, pool=5.0)
    policy = RetryPolicy(max_retry_after=60, jitter=0)
    async with transport(server, time, None, timeout=timeout, retry=policy) as paced:
        first = asyncio.create_task(paced.request("GET", "/limited"))
        await settle()
        second = asyncio.create_task(paced.request("GET", "/other"))
        await settle()
        # 20 s is past the pool timeout (5 s): told at once, the read is retried after it.
        assert time.sleeps == [20.0, pytest.approx(20.0)]
        await time.advance(20.0)
        await asyncio.gather(first, second)
    assert server.paths == ["/limited", "/limited", "/other"]


async def test_no_turn_within_the_pool_timeout_is_a_connect_error_and_nothing_is_sent() -> None:
    time, server = ManualTime(), Server()
    timeout = httpx.Timeout(10.0, pool=1.0)
    policy = RetryPolicy(max_retries=0)
    async with transport(server, time, "1 per 60 seconds", timeout=timeout, retry=policy) as paced:
        await paced.request("GET", "/0")
        with pytest.raises(ConnectError) as caught:
            await paced.request("POST", "/1", json={"a": 1})
    assert server.paths == ["/0"]
    assert "no turn under the rate limit (1 per minute)" in str(caught.value)
    assert not caught.value.may_have_reached_server
    assert not caught.value.outcome_unknown


async def test_the_in_flight_cap_is_not_taught_the_wait_for_a_turn() -> None:
    time, server = ManualTime(), Server()
    async with transport(server, time, "1/second", max_in_flight=20, latency_target=0.3) as paced:
        cap = paced.in_flight_limit
        assert cap is not None
        before = cap.limit
        calls = [asyncio.create_task(paced.request("GET", f"/{n}")) for n in range(4)]
        await settle()
        for _ in range(4):
            await time.advance(1.0)
        await asyncio.gather(*calls)
    assert cap.limit >= before  # waits of a second each did not shrink it


def test_rate_limit_takes_a_limit_its_text_or_a_limiter() -> None:
    shared = LocalRateLimiter("5/second")
    assert Transport(BASE, rate_limit=shared).rate_limiter is shared
    made = Transport(BASE, rate_limit="20/second").rate_limiter
    assert made is not None
    assert made.limit == RateLimit(20)
    assert Transport(BASE, rate_limit=RateLimit(3, per=60)).rate_limiter is not None
    assert Transport(BASE).rate_limiter is None
    with pytest.raises(ValidationError) as caught:
        Transport(BASE, rate_limit=20)  # type: ignore[arg-type]
    assert caught.value.field == "rate_limit"
