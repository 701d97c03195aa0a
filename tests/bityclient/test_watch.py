"""Watching Bity's orders against the sandbox: new orders, payments, execution, resuming."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest

from bityclient import BityClient, Order, OrderCategory, OrderStatus, TransactionStatus
from bityclient.sandbox import BitySandbox
from tests.bityclient.conftest import NO_WAIT, FakeClock

SANDBOX_URL = "http://bity.sandbox"
ORDERS = "/api/v1/order/"
ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> BitySandbox:
    return BitySandbox(clock=clock)


@pytest.fixture
async def bity(sandbox: BitySandbox, clock: FakeClock) -> AsyncIterator[BityClient]:
    async with BityClient(
        client_id=sandbox.client_id,
        base_url=SANDBOX_URL,
        transport=sandbox.transport(),
        retry=NO_WAIT,
        clock=clock,
    ) as client:
        await client.login(username=sandbox.username, password=sandbox.password)
        yield client


async def buy(bity: BityClient, clock: FakeClock) -> Order:
    clock.now += timedelta(seconds=1)  # each order a moment after the one before
    return await bity.orders.create(
        category=OrderCategory.BUY_ETH, amount=Decimal("100"), crypto_address=ETH_ADDRESS
    )


def order_id(order: Order) -> int:
    return int(order.id or 0)


async def test_orders_are_announced_as_they_are_created_paid_and_executed(
    bity: BityClient, sandbox: BitySandbox, clock: FakeClock
) -> None:
    await buy(bity, clock)
    watch = bity.orders.watch(interval=1)
    assert await watch.poll() == []  # the open order is followed, not announced
    sandbox.clear_requests()
    assert await watch.poll() == []
    assert [r.path for r in sandbox.requests] == [ORDERS]  # one request when idle
    assert "order_by=-timestamp_created" in sandbox.requests[0].query

    order = await buy(bity, clock)
    (change,) = await watch.poll()
    assert change.is_new
    assert change.item.resource_uri == order.resource_uri

    sandbox.advance_order(order_id(order), to="CONF")  # the payment arrived
    (change,) = await watch.poll()
    assert change.previous is not None
    assert change.item.status is OrderStatus.OPEN
    assert change.item.input_transactions[0].status is TransactionStatus.CONF
    assert change.previous.input_transactions[0].status is not TransactionStatus.CONF

    sandbox.advance_order(order_id(order))
    (change,) = await watch.poll()
    assert change.item.status is OrderStatus.EXEC
    assert await watch.poll() == []


async def test_an_open_order_off_the_first_page_is_followed_and_resumed(
    bity: BityClient, sandbox: BitySandbox, clock: FakeClock
) -> None:
    old = await buy(bity, clock)
    watch = bity.orders.watch(interval=1, page_size=2)
    await watch.poll()
    newer = [await buy(bity, clock) for _ in range(3)]
    assert [c.item.resource_uri for c in await watch.poll()] == [o.resource_uri for o in newer]
    saved = json.loads(json.dumps(watch.cursor))

    sandbox.advance_order(order_id(old), to="CANC")
    resumed = bity.orders.watch(interval=1, page_size=2, cursor=saved)
    (change,) = await resumed.poll()

    assert change.item.resource_uri == old.resource_uri
    assert change.item.status is OrderStatus.CANC
    assert change.item.status.is_final
    assert change.previous is not None
    assert change.previous.status is OrderStatus.OPEN
    assert change.previous.input_transactions == old.input_transactions
    assert {o.resource_uri for o in resumed.pending} == {o.resource_uri for o in newer}
