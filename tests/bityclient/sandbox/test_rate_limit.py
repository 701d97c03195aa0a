"""Bity's client under a rate limit: token grants take turns too, and a refresh comes first."""

from __future__ import annotations

import asyncio

from bityclient import BityClient, LocalRateLimiter, RateLimit
from bityclient.sandbox import BitySandbox
from tests.bityclient.conftest import NO_WAIT, FakeClock
from tests.bityclient.sandbox.conftest import ORDERS, SANDBOX_URL, TOKEN
from tests.manual_time import ManualTime, settle


def paced(sandbox: BitySandbox, clock: FakeClock, time: ManualTime) -> BityClient:
    return BityClient(
        client_id=sandbox.client_id,
        base_url=SANDBOX_URL,
        transport=sandbox.transport(),
        retry=NO_WAIT,
        clock=clock,
        rate_limit=LocalRateLimiter("1/second", clock=time.clock, sleep=time.sleep),
    )


async def test_a_due_refresh_is_made_before_the_turns_so_no_request_waits_on_it_after(
    sandbox: BitySandbox, clock: FakeClock
) -> None:
    time = ManualTime()
    async with paced(sandbox, clock, time) as bity:
        assert bity.rate_limiter is not None
        assert bity.rate_limiter.limit == RateLimit(1)
        await bity.login(username=sandbox.username, password=sandbox.password)  # a turn
        assert [r.path for r in sandbox.requests] == [TOKEN]
        clock.advance(36_000)  # the access token has expired: the next request refreshes it

        async def orders() -> object:
            return await bity.orders.list()

        calls = [asyncio.create_task(orders()) for _ in range(3)]
        await settle()
        paths = [r.path for r in sandbox.requests]
        assert paths == [TOKEN]  # the refresh waits for the next turn, ahead of the calls
        for expected in ([TOKEN, TOKEN], [TOKEN, TOKEN, ORDERS], [TOKEN, TOKEN, ORDERS, ORDERS]):
            await time.advance(1.0)
            assert [r.path for r in sandbox.requests] == expected
        await time.advance(1.0)
        await asyncio.gather(*calls)
    # One request a second, each in its own turn: the refresh, then the three calls.
    assert [r.path for r in sandbox.requests] == [TOKEN, TOKEN, ORDERS, ORDERS, ORDERS]
