"""The Gateway client under a rate limit: calls wait unsigned, so none arrives too late."""

from __future__ import annotations

import asyncio

import pytest

from bitexgate import BitexGateClient, LocalRateLimiter, RateLimit, RetryPolicy, ValidationError
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import BASE_URL
from tests.manual_time import ManualTime, settle

METHODS = "/api/gateway/payment-methods"


def client(sandbox: GatewaySandbox, **kwargs: object) -> BitexGateClient:
    kwargs.setdefault("retry", RetryPolicy(max_retries=0))
    return BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url=BASE_URL,
        transport=sandbox.transport(),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_call_that_waits_longer_than_the_signature_window_is_signed_when_it_goes(
    sandbox: GatewaySandbox,
) -> None:
    # Real time: the sixth call waits a second for its turn, twice the 0.5 s window. Had it
    # been signed before waiting, the sandbox would refuse it as expired (no retries here).
    async with client(sandbox, rate_limit="5/second") as gw:
        results = await asyncio.gather(*(gw.payment_methods.list() for _ in range(6)))
    assert all(len(methods) == 6 for methods in results)
    arrivals = sandbox.requests_to(METHODS)
    assert len(arrivals) == 6  # none refused and resent
    # The sixth went out a second after the first, more than a signature window later.
    assert arrivals[5].received_at - arrivals[0].received_at > 0.5


async def test_two_clients_sharing_a_limiter_share_its_budget(sandbox: GatewaySandbox) -> None:
    time = ManualTime()
    shared = LocalRateLimiter("2/second", clock=time.clock, sleep=time.sleep)
    async with client(sandbox, rate_limit=shared) as one, client(sandbox, rate_limit=shared) as two:
        assert one.rate_limiter is two.rate_limiter is shared
        calls = [asyncio.create_task(gw.payment_methods.list()) for gw in (one, two, one, two)]
        await settle()
        assert len(sandbox.requests_to(METHODS)) == 2
        await time.advance(1.0)
        await asyncio.gather(*calls)
    assert len(sandbox.requests_to(METHODS)) == 4


async def test_a_429_holds_the_other_calls_of_the_client(sandbox: GatewaySandbox) -> None:
    time = ManualTime()
    limiter = LocalRateLimiter("100/second", clock=time.clock, sleep=time.sleep)
    async with client(sandbox, rate_limit=limiter, retry=RetryPolicy(max_retry_after=5)) as gw:
        gw._transport._sleep = time.sleep  # the retry's wait on the manual clock too
        sandbox.fail_next(METHODS, status=429, retry_after=3)
        first = asyncio.create_task(gw.payment_methods.list())
        await settle()

        async def wallets() -> object:
            return await gw.wallets.list()

        others = [asyncio.create_task(wallets()) for _ in range(5)]
        await settle()
        await time.advance(2.5)
        assert [r.path for r in sandbox.requests] == [METHODS]  # the 429 alone
        await time.advance(0.5)
        await asyncio.gather(first, *others)
    assert len(sandbox.requests_to(METHODS)) == 2
    assert len(sandbox.requests_to("/api/gateway/wallets")) == 5


def test_rate_limit_is_checked_when_the_client_is_made() -> None:
    with pytest.raises(ValidationError) as caught:
        BitexGateClient(api_key="k", secret="s", rate_limit="20 a second")
    assert caught.value.field == "rate_limit"
    gw = BitexGateClient(api_key="k", secret="s", rate_limit="20/second")
    assert gw.rate_limiter is not None
    assert gw.rate_limiter.limit == RateLimit(20)
    assert BitexGateClient(api_key="k", secret="s").rate_limiter is None
