"""End to end, in process: an order whose answer is lost exists once, and is returned.

The `bity` fixture looks twice, without waiting; the sandbox's faults play the
network, `after_handling` saying whether the order was made before its answer
was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from bityclient import (
    BityClient,
    NetworkError,
    Order,
    OrderCategory,
    RequestTimeout,
    SDKError,
    ServiceUnavailableError,
)
from bityclient.sandbox import BitySandbox

from .conftest import ORDERS, SANDBOX_URL, FakeClock, create_order, login

ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

Arm = Callable[[BitySandbox, bool], None]

FAULTS: list[tuple[str, Arm, type[SDKError]]] = [
    (
        "502",
        lambda s, after: s.fail_next(ORDERS, status=502, method="POST", after_handling=after),
        ServiceUnavailableError,
    ),
    (
        "reset",
        lambda s, after: s.drop_next(ORDERS, method="POST", after_handling=after),
        NetworkError,
    ),
    (
        "timeout",
        lambda s, after: s.drop_next(ORDERS, timeout=True, method="POST", after_handling=after),
        RequestTimeout,
    ),
]
IDS = [fault[0] for fault in FAULTS]
CASES = [fault[1:] for fault in FAULTS]


@pytest.fixture
async def logged_in(bity: BityClient, sandbox: BitySandbox) -> BityClient:
    await bity.login(username=sandbox.username, password=sandbox.password)
    return bity


async def buy(bity: BityClient, amount: str = "0.5") -> Order:
    return await bity.orders.create(
        category=OrderCategory.BUY_ETH, amount=Decimal(amount), crypto_address=ETH_ADDRESS
    )


async def every_order(bity: BityClient) -> list[Order]:
    return [order async for order in bity.orders.list(order_by="-timestamp_created")]


@pytest.mark.parametrize(("arm", "error"), CASES, ids=IDS)
async def test_an_order_made_before_its_answer_was_lost_is_returned_once(
    logged_in: BityClient, sandbox: BitySandbox, arm: Arm, error: type[SDKError]
) -> None:
    arm(sandbox, True)
    order = await buy(logged_in)
    assert [o.resource_uri for o in await every_order(logged_in)] == [order.resource_uri]
    assert order.input_transactions[0].amount == Decimal("0.5")
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1  # never resent


@pytest.mark.parametrize(("arm", "error"), CASES, ids=IDS)
async def test_an_order_never_made_raises_after_the_settle_schedule(
    logged_in: BityClient, sandbox: BitySandbox, arm: Arm, error: type[SDKError]
) -> None:
    arm(sandbox, False)
    with pytest.raises(error) as caught:
        await buy(logged_in)
    assert caught.value.outcome_unknown
    assert caught.value.candidates == []
    assert "2 times" in str(caught.value)
    assert len(sandbox.requests_to(ORDERS, method="GET")) == 2  # one look after each wait
    assert len(sandbox.requests_to(ORDERS, method="POST")) == 1
    assert await every_order(logged_in) == []  # nothing was made


async def test_orders_of_another_amount_or_made_earlier_are_told_apart(
    logged_in: BityClient, sandbox: BitySandbox, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    token = await login(http, sandbox)  # orders placed elsewhere, not by this client
    earlier = (await create_order(http, token)).json()  # the same order, an hour before
    clock.advance(3600)
    other = (await create_order(http, token, amount="0.7")).json()  # just before, 0.7
    sandbox.fail_next(ORDERS, status=502, method="POST", after_handling=True)
    order = await buy(logged_in)
    made = {o.resource_uri for o in await every_order(logged_in)}
    assert made == {earlier["resource_uri"], other["resource_uri"], order.resource_uri}
    assert len(made) == 3


async def test_the_same_order_from_another_process_cannot_be_told_apart(
    logged_in: BityClient, sandbox: BitySandbox, clock: FakeClock
) -> None:
    async with BityClient(
        client_id=sandbox.client_id,
        base_url=SANDBOX_URL,
        transport=sandbox.transport(),
        clock=clock,
    ) as other:
        await other.login(username=sandbox.username, password=sandbox.password)
        await buy(other)  # the same category and amount, a moment before
    sandbox.fail_next(ORDERS, status=502, method="POST", after_handling=True)
    with pytest.raises(ServiceUnavailableError) as caught:
        await buy(logged_in)
    assert len(sandbox.requests_to(ORDERS, method="GET")) == 1  # two: no use looking again
    both = await every_order(logged_in)
    assert len(both) == 2
    assert sorted(o.resource_uri for o in caught.value.candidates) == sorted(
        o.resource_uri for o in both
    )
    assert "cannot tell them apart" in str(caught.value)
