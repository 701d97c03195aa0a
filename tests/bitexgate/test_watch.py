"""Watching the Gateway's histories against the sandbox: each change once, cheaply, resumably."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bitexgate import (
    AuthenticationError,
    BitexGateClient,
    Change,
    Deposit,
    DepositStatus,
    RetryPolicy,
    ValidationError,
    Watch,
    Withdrawal,
    WithdrawStatus,
)
from bitexgate.sandbox import GatewaySandbox

BASE_URL = "http://sandbox"
WALLET_HISTORY = "/api/gateway/wallet/history"
INVOICE_HISTORY = "/api/gateway/invoice/history"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"
TRON_ADDRESS = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox() as created:
        created.set_balance("USDT", Decimal("100000"))
        yield created


@pytest.fixture
async def gw(sandbox: GatewaySandbox) -> AsyncIterator[BitexGateClient]:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url=BASE_URL,
        transport=sandbox.transport(),
        retry=RetryPolicy(max_retries=0),
    ) as client:
        yield client


def seen(changes: list[Change[Any]]) -> list[tuple[str | None, int | None, int]]:
    """Each change as (txid, previous status, status)."""
    return [
        (
            change.item.txid,
            None if change.previous is None else int(change.previous.status),
            int(change.item.status),
        )
        for change in changes
    ]


async def test_a_poll_with_nothing_new_and_nothing_pending_is_one_request(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    for n in range(3):
        await sandbox.deposit(wallet.address, "10", txid=f"old-{n}", confirmed=True)
    watch = gw.wallets.watch(interval=1)
    assert await watch.poll() == []  # existing, final records are not announced
    sandbox.clear_requests()

    assert await watch.poll() == []
    assert await watch.poll() == []

    assert [r.path for r in sandbox.requests] == [WALLET_HISTORY, WALLET_HISTORY]
    query = sandbox.requests[0].query
    assert "ordering=-id" in query
    assert "limit=50" in query


async def test_new_deposits_and_their_confirmations_are_announced_once_each(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    watch = gw.wallets.watch(interval=1)
    assert await watch.poll() == []

    await sandbox.deposit(wallet.address, "5", txid="a")
    await sandbox.deposit(wallet.address, "6", txid="b")
    changes = await watch.poll()
    assert seen(changes) == [("a", None, 1), ("b", None, 1)]  # oldest first
    assert all(change.is_new for change in changes)
    assert isinstance(changes[0].item, Deposit)
    assert changes[0].item.amount == Decimal("5")
    assert await watch.poll() == []

    # b arrived after a but is confirmed first: each step is announced, in order.
    await sandbox.confirm_deposit("b")
    assert seen(await watch.poll()) == [("b", 1, 5)]
    await sandbox.reject_deposit("a")
    assert seen(await watch.poll()) == [("a", 1, 6)]
    assert await watch.poll() == []
    assert watch.pending == []


async def test_a_deposit_pending_at_the_start_is_followed_not_announced(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    await sandbox.deposit(wallet.address, "7", txid="early")
    await sandbox.deposit(wallet.address, "8", txid="done", confirmed=True)
    watch = gw.wallets.watch(interval=1)

    assert await watch.poll() == []
    assert [d.txid for d in watch.pending] == ["early"]
    await sandbox.confirm_deposit("early")
    (change,) = await watch.poll()
    assert change.previous is not None
    assert change.previous.status == DepositStatus.PENDING
    assert change.item.status == DepositStatus.CONFIRMED


async def test_include_existing_announces_every_record_once_first(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    for n in range(5):
        await sandbox.deposit(wallet.address, "10", txid=f"e{n}", confirmed=n % 2 == 0)
    watch = gw.wallets.watch(interval=1, include_existing=True, page_size=2)

    changes = await watch.poll()
    assert seen(changes) == [
        ("e0", None, 5),
        ("e1", None, 1),
        ("e2", None, 5),
        ("e3", None, 1),
        ("e4", None, 5),
    ]
    assert await watch.poll() == []
    await sandbox.confirm_deposit("e1")
    assert seen(await watch.poll()) == [("e1", 1, 5)]


async def test_many_new_records_are_read_back_to_the_last_one_known(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    await sandbox.deposit(wallet.address, "1", txid="first", confirmed=True)
    watch = gw.wallets.watch(interval=1, page_size=3)
    await watch.poll()
    for n in range(8):
        await sandbox.deposit(wallet.address, "1", txid=f"n{n}", confirmed=True)

    changes = await watch.poll()

    assert [c.item.txid for c in changes] == [f"n{n}" for n in range(8)]
    assert await watch.poll() == []


async def test_a_pending_deposit_off_the_first_page_costs_one_listing_and_one_lookup(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    watch = gw.wallets.watch(interval=1, page_size=2)
    await watch.poll()
    await sandbox.deposit(wallet.address, "3", txid="slow")
    await sandbox.deposit(wallet.address, "4", txid="waiting")
    assert seen(await watch.poll()) == [("slow", None, 1), ("waiting", None, 1)]
    for n in range(4):
        await sandbox.deposit(wallet.address, "1", txid=f"x{n}", confirmed=True)
    assert len(await watch.poll()) == 4
    sandbox.clear_requests()

    # Idle, with two pending off the first page: the page, then the PENDING listing.
    assert await watch.poll() == []
    queries = [r.query for r in sandbox.requests]
    assert len(queries) == 2
    assert "status=1" in queries[1]

    await sandbox.confirm_deposit("slow")
    sandbox.clear_requests()
    assert seen(await watch.poll()) == [("slow", 1, 5)]
    queries = [r.query for r in sandbox.requests]
    assert len(queries) == 3  # the page, the PENDING listing, the lookup by txid
    assert "txid=slow" in queries[2]


async def test_a_watch_resumes_from_its_saved_cursor(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    first = gw.wallets.watch(interval=1, ticker="USDT")
    await first.poll()
    await sandbox.deposit(wallet.address, "2.50000000", txid="p")
    await sandbox.deposit(wallet.address, "3", txid="q", confirmed=True)
    assert seen(await first.poll()) == [("p", None, 1), ("q", None, 5)]
    saved = json.loads(json.dumps(first.cursor))  # as a process would store it

    await sandbox.deposit(wallet.address, "4", txid="r")
    await sandbox.confirm_deposit("p")
    resumed = gw.wallets.watch(interval=1, ticker="USDT", cursor=saved)
    changes = await resumed.poll()

    assert seen(changes) == [("p", 1, 5), ("r", None, 1)]
    assert changes[0].previous is not None
    assert changes[0].previous.amount == Decimal("2.5")
    assert await resumed.poll() == []


async def test_the_cursor_counts_only_the_changes_returned(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    watch = gw.wallets.watch(interval=0.01)
    assert await watch.poll() == []
    for txid in ("m1", "m2", "m3"):
        await sandbox.deposit(wallet.address, "1", txid=txid, confirmed=True)

    iterator = aiter(watch)
    assert (await anext(iterator)).item.txid == "m1"
    saved = watch.cursor  # saved after handling m1 only

    resumed = gw.wallets.watch(interval=0.01, cursor=saved)
    assert [c.item.txid for c in await resumed.poll()] == ["m2", "m3"]


async def test_a_cursor_of_another_watch_is_refused(gw: BitexGateClient) -> None:
    watch = gw.wallets.watch(interval=1, ticker="USDT")
    await watch.poll()
    with pytest.raises(ValidationError, match="cursor"):
        gw.wallets.watch(interval=1, ticker="BTC", cursor=watch.cursor)
    with pytest.raises(ValidationError, match="cursor"):
        gw.withdrawals.watch(interval=1, cursor=watch.cursor)
    with pytest.raises(ValidationError, match="cursor"):
        gw.wallets.watch(interval=1, cursor={"version": 99})


async def test_bad_filters_are_refused_before_any_request(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    with pytest.raises(ValidationError, match="page_size"):
        gw.wallets.watch(page_size=0)
    with pytest.raises(ValidationError, match="ticker"):
        gw.wallets.watch(ticker=5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="interval"):
        gw.wallets.watch(interval=0)
    assert sandbox.requests == []


async def test_invoice_payments_are_watched(gw: BitexGateClient, sandbox: GatewaySandbox) -> None:
    invoice = await gw.invoices.create(
        ticker="UAH", network="wiretransfer", amount=Decimal("300"), client_ip="203.0.113.7"
    )
    watch = gw.invoices.watch(interval=1)
    await watch.poll()
    paid = await sandbox.pay_invoice(invoice.slug, confirmed=False)
    assert seen(await watch.poll()) == [(paid["txid"], None, 1)]
    await sandbox.confirm_deposit(paid["txid"])
    (change,) = await watch.poll()
    assert change.item.status == DepositStatus.CONFIRMED
    assert change.item.amount + change.item.fee == Decimal("300")
    assert [r.path for r in sandbox.requests if r.method == "GET"][-1] == INVOICE_HISTORY


async def withdraw(gw: BitexGateClient, n: int) -> Withdrawal:
    return await gw.withdrawals.create(
        ticker="USDT",
        network="tron",
        address=TRON_ADDRESS,
        amount=Decimal("20"),
        client_order_id=f"order-{n}",
    )


async def test_withdrawals_are_followed_to_a_final_status(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    old = await withdraw(gw, 0)  # not final when the watch starts: followed
    watch = gw.withdrawals.watch(interval=1, page_size=2)
    assert await watch.poll() == []
    assert [w.id for w in watch.pending] == [old.id]
    made = [await withdraw(gw, n) for n in range(1, 4)]
    assert [c.item.id for c in await watch.poll()] == [w.id for w in made]

    await sandbox.advance_withdrawal(old.id, to=WithdrawStatus.DONE)
    sandbox.clear_requests()
    (change,) = await watch.poll()
    assert change.item.id == old.id
    assert change.previous is not None
    assert (change.previous.status, change.item.status) == (WithdrawStatus.NEW, WithdrawStatus.DONE)
    # Read back newest first to the oldest followed withdrawal, and no further.
    assert len(sandbox.requests) == 2
    await sandbox.advance_withdrawal(made[0].id)
    (change,) = await watch.poll()
    assert (change.item.id, change.item.status) == (made[0].id, WithdrawStatus.CONFIRMED)


async def test_a_transient_failure_does_not_end_the_watch(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="USDT", network="tron")
    watch = gw.wallets.watch(interval=0.01)
    await watch.poll()
    await sandbox.deposit(wallet.address, "9", txid="late", confirmed=True)
    sandbox.fail_next(WALLET_HISTORY, status=503, times=2)
    sandbox.fail_next(WALLET_HISTORY, status=429, times=1, retry_after=0)

    change = await asyncio.wait_for(anext(aiter(watch)), 5)

    assert change.item.txid == "late"
    assert len(sandbox.requests_to(WALLET_HISTORY)) >= 4


async def test_an_authentication_error_ends_the_watch(sandbox: GatewaySandbox) -> None:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret="not-the-secret",
        base_url=BASE_URL,
        transport=sandbox.transport(),
    ) as gw:
        with pytest.raises(AuthenticationError):
            await anext(aiter(gw.wallets.watch(interval=0.01)))


async def test_cancelling_a_watch_is_clean(gw: BitexGateClient) -> None:
    watch: Watch[Deposit] = gw.wallets.watch(interval=0.01)

    async def consume() -> None:
        async for _ in watch:
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert watch.cursor is not None
    assert watch.cursor["pending"] == []
