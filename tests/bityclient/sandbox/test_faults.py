"""Injected faults, as the SDK meets them: retries honour Retry-After, orders are never
resent, and an answer lost after the server acted leaves the outcome unknown."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bityclient import (
    AmountMode,
    BityClient,
    OrderCategory,
    RateLimitError,
    ServiceUnavailableError,
    SessionExpiredError,
)
from bityclient.sandbox import BitySandbox
from tests.conftest import SleepRecorder

from .conftest import ORDERS, TOKEN

ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.fixture
async def logged_in(bity: BityClient, sandbox: BitySandbox) -> BityClient:
    await bity.login(username=sandbox.username, password=sandbox.password)
    return bity


async def test_a_429_retry_after_is_honoured_on_rates(
    bity: BityClient, sandbox: BitySandbox, sleeps: SleepRecorder
) -> None:
    # Record the waits instead of sleeping: the retry's, and the pause's of the other calls.
    bity._transport._sleep = bity._transport._pacer._sleep = sleeps
    sandbox.fail_next("/api/v1/rate2/", status=429, retry_after=7)
    page = await bity.rates.list()
    assert len(page.items) == 18
    assert sleeps.delays == [7.0]
    assert len(sandbox.requests_to("/api/v1/rate2/")) == 2
    sandbox.fail_next("/api/v1/rate_we_buy/ETHBTC/", status=503, times=2)
    assert (await bity.rates.we_buy("ETHBTC")).pair == "ETHBTC"
    assert len(sandbox.requests_to("/api/v1/rate_we_buy/ETHBTC/")) == 3
    # The next call waited out what was left of the 429's pause, then the 503s' backoff.
    assert sleeps.delays[1] == pytest.approx(7.0, abs=1.0)
    assert len(sleeps.delays) == 4, sleeps.delays


async def test_the_fault_answers_in_bitys_error_shape(
    bity: BityClient, sandbox: BitySandbox
) -> None:
    sandbox.fail_next("/api/v1/rate_we_sell/ETHBTC/", status=429, times=3, retry_after=0)
    with pytest.raises(RateLimitError) as info:
        await bity.rates.we_sell("ETHBTC")
    assert info.value.body == {"error_description": "Request was throttled.", "error": "throttled"}
    assert info.value.retry_after == 0


async def test_a_502_on_an_order_is_not_resent_and_its_outcome_is_unknown(
    logged_in: BityClient, sandbox: BitySandbox
) -> None:
    sandbox.fail_next(ORDERS, status=502, method="POST")
    with pytest.raises(ServiceUnavailableError) as info:
        await logged_in.orders.create(
            category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address=ETH_ADDRESS
        )
    assert info.value.outcome_unknown
    assert "orders.list" in str(info.value)
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1
    # Here the proxy failed before the server saw it: no order.
    assert (await logged_in.orders.list()).items == []


async def test_an_order_made_but_its_answer_lost_is_told_apart_in_the_list(
    logged_in: BityClient, sandbox: BitySandbox
) -> None:
    sandbox.fail_next(ORDERS, status=504, method="POST", after_handling=True)
    order = await logged_in.orders.create(
        category=OrderCategory.SELL_ETH,
        amount=Decimal("2"),
        amount_mode=AmountMode.INPUT,
        crypto_address="bc1qxyz",
    )
    (listed,) = [o async for o in logged_in.orders.list(order_by="-timestamp_created")]
    assert order == listed  # the list form: no amount or address, but this category and input
    assert order.category is OrderCategory.SELL_ETH
    assert order.input_transactions[0].amount == Decimal("2")
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1


async def test_an_order_lost_before_it_was_made_raises_after_looking(
    logged_in: BityClient, sandbox: BitySandbox
) -> None:
    sandbox.fail_next(ORDERS, status=504, method="POST")
    with pytest.raises(ServiceUnavailableError) as info:
        await logged_in.orders.create(
            category=OrderCategory.SELL_ETH, amount=Decimal("2"), crypto_address="bc1qxyz"
        )
    assert info.value.outcome_unknown
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1
    assert len(sandbox.requests_to(ORDERS, method="GET")) == 2  # the fixture's two looks
    assert [o async for o in logged_in.orders.list()] == []


async def test_a_429_on_an_order_is_not_resent(logged_in: BityClient, sandbox: BitySandbox) -> None:
    sandbox.fail_next(ORDERS, status=429, retry_after=0, method="POST")
    with pytest.raises(RateLimitError):
        await logged_in.orders.create(
            category="BUY_ETH", amount=Decimal("0.5"), crypto_address=ETH_ADDRESS
        )
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1


async def test_a_refresh_whose_answer_was_lost_ends_the_session(
    logged_in: BityClient, sandbox: BitySandbox
) -> None:
    # The server rotates the refresh token, the client never hears of the new one: its
    # next refresh, with the old one, is refused, and the SDK says to log in again.
    sandbox.expire_tokens()
    sandbox.fail_next(TOKEN, status=502, after_handling=True)
    with pytest.raises(ServiceUnavailableError) as info:
        await logged_in.orders.list()
    assert info.value.outcome_unknown
    assert sandbox.refreshes == 1
    with pytest.raises(SessionExpiredError):
        await logged_in.orders.list()
    await logged_in.login(username=sandbox.username, password=sandbox.password)
    assert (await logged_in.orders.list()).items == []


async def test_a_refresh_that_never_reached_the_server_is_tried_again(
    logged_in: BityClient, sandbox: BitySandbox
) -> None:
    sandbox.expire_tokens()
    sandbox.fail_next(TOKEN, status=502)
    with pytest.raises(ServiceUnavailableError):
        await logged_in.orders.list()
    assert sandbox.refreshes == 0
    # The SDK kept the old refresh token, which is still valid: the next call refreshes.
    assert (await logged_in.orders.list()).items == []
    assert sandbox.refreshes == 1
