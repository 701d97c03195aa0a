"""End to end: the real client against the gateway sandbox served on a loopback socket.

Every answer is decoded with the strict converter, so a key the models do not know,
or a missing one, fails here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

import bitexgate._gateway
import bitexgate._resources
from bitexgate import (
    BitexGateClient,
    DepositStatus,
    FeePayer,
    RetryPolicy,
    WithdrawStatus,
)
from bitexgate._models import configure_converter
from bitexgate.sandbox import GatewaySandbox
from common import make_converter

STRICT = configure_converter(make_converter(strict=True))
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"


@pytest.fixture(autouse=True)
def _strict_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (bitexgate._gateway, bitexgate._resources):  # every place that decodes
        monkeypatch.setattr(module, "converter", STRICT)


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox() as created:
        yield created


@pytest.fixture
async def base_url(sandbox: GatewaySandbox) -> AsyncIterator[str]:
    async with sandbox.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        yield url


@pytest.fixture
async def client(sandbox: GatewaySandbox, base_url: str) -> AsyncIterator[BitexGateClient]:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url=base_url,
        retry=RetryPolicy(initial_delay=0),
    ) as gw:
        yield gw


async def test_every_endpoint(
    client: BitexGateClient, sandbox: GatewaySandbox, base_url: str
) -> None:
    # payment methods
    methods = await client.payment_methods.list(ordering="-id")
    assert [(m.ticker, m.network) for m in methods][-2:] == [
        ("UAH", "wiretransfer"),
        ("BTC", "bitcoin"),
    ]
    payeer = next(m for m in methods if m.network == "payeer")
    assert payeer.is_fiat
    assert isinstance(payeer.deposit_fee_rate, Decimal)

    # a wallet, and a deposit arriving on it, then confirmed
    wallet = await client.wallets.create(
        ticker="ETH",
        network="ethereum",
        convert_ticker="USDT",
        convert_limit=Decimal("10000"),
        convert_percent=Decimal("2"),
    )
    assert wallet.convert_percent == Decimal(2)
    assert [w.slug async for w in client.wallets.list()] == [wallet.slug]
    await sandbox.deposit(wallet.address, "0.5", txid="0xdeposit")
    [pending] = [d async for d in client.wallets.history(txid="0xdeposit")]
    assert (pending.status, pending.amount, pending.wallet_slug) == (
        DepositStatus.PENDING,
        Decimal("0.5"),
        wallet.slug,
    )
    assert [d async for d in client.wallets.history(status=DepositStatus.CONFIRMED)] == []
    await sandbox.confirm_deposit("0xdeposit")
    [confirmed] = [d async for d in client.wallets.history(status=DepositStatus.CONFIRMED)]
    assert confirmed.txid == "0xdeposit"
    assert confirmed.aml_success is True
    # 0.5 ETH converted to USDT at 3300 less 2%
    assert sandbox.balance("USDT") == Decimal("1617")

    # an invoice, its payment page, and its payment
    invoice = await client.invoices.create(
        ticker="USDT",
        network="payeer",
        amount=Decimal("120"),
        client_ip="203.0.113.7",
        payment_url="https://shop.example/success",
    )
    assert invoice.proceed_url == f"{base_url}/sandbox/pay/{invoice.slug}"
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(invoice.proceed_url)).status_code == 200
    await sandbox.pay_invoice(invoice.slug)
    [listed] = [i async for i in client.invoices.list(ordering="id")]
    assert (listed.slug, listed.amount) == (invoice.slug, Decimal(120))
    assert listed.proceed_url is None  # the list form leaves it out, as the reference does
    [payment] = [p async for p in client.invoices.history(ticker="USDT")]
    assert (payment.amount, payment.fee, payment.status) == (
        Decimal("118.86"),
        Decimal("1.14"),
        DepositStatus.CONFIRMED,
    )
    assert payment.convert is None

    # a withdrawal, all the way to DONE
    withdrawal = await client.withdrawals.create(
        ticker="USDT",
        network="tron",
        address=TRON,
        amount=Decimal("22"),
        client_order_id="order_123",
        fee_payer=FeePayer.AMOUNT,
        comment="Call after success",
    )
    assert (withdrawal.status, withdrawal.fee_payer) == (WithdrawStatus.NEW, FeePayer.AMOUNT)
    assert sandbox.balance("USDT") == Decimal("1617") + Decimal("118.86") - 22
    await sandbox.advance_withdrawal(withdrawal.id, to=WithdrawStatus.DONE)
    [done] = [w async for w in client.withdrawals.history(status=WithdrawStatus.DONE)]
    assert (done.id, done.client_order_id, done.status.is_final) == (
        withdrawal.id,
        "order_123",
        True,
    )
    assert done.txid


async def test_a_fiat_withdrawal_to_a_card(
    client: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    sandbox.set_balance("UAH", Decimal(5000))
    await client.payment_methods.list()  # teaches the client which methods are fiat
    withdrawal = await client.withdrawals.create(
        ticker="UAH", network="wiretransfer", card="4111111111111111", amount=Decimal("1000")
    )
    assert withdrawal.address == "4111111111111111"
    assert sandbox.balance("UAH") == Decimal(5000 - 1020)


async def test_pagination_reaches_the_last_page(
    client: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    created = {
        (await client.wallets.create(ticker="BTC", network="bitcoin")).slug for _ in range(25)
    }
    sandbox.clear_requests()
    walked = [w.slug async for w in client.wallets.list(page_size=10)]
    assert len(walked) == 25
    assert set(walked) == created
    assert [r.query for r in sandbox.requests_to("/api/gateway/wallets")] == [
        "limit=10",
        "limit=10&page=2",
        "limit=10&page=3",
    ]
    # The sandbox's own page size applies when the client gives none.
    assert len([w async for w in client.wallets.list(max_items=12)]) == 12


async def test_many_concurrent_creates_lose_nothing(sandbox: GatewaySandbox, base_url: str) -> None:
    # The sandbox shares this test's event loop, so a request's time on the wire includes
    # the server's work on the 99 others: the window is wide here, as this test is about
    # nothing being lost. Arriving in time is the test of the pool, below.
    async with BitexGateClient(
        api_key=sandbox.api_key, secret=sandbox.secret, base_url=base_url, signature_window=10.0
    ) as client:
        await _create_concurrently(client, sandbox)


async def _create_concurrently(client: BitexGateClient, sandbox: GatewaySandbox) -> None:
    sandbox.set_balance("USDT", Decimal(150 * 23))

    async def withdraw(i: int) -> int:
        created = await client.withdrawals.create(
            ticker="USDT", network="tron", address=TRON, amount=22, client_order_id=f"order-{i}"
        )
        return created.id

    async def open_wallet() -> str:
        return (await client.wallets.create(ticker="USDT", network="tron")).address

    # 300 at once, more than the pool's 100 connections: the rest wait to be signed.
    results = await asyncio.gather(
        *(withdraw(i) for i in range(150)), *(open_wallet() for _ in range(150))
    )
    ids, addresses = results[:150], results[150:]
    assert sorted(ids) == list(range(1, 151))  # type: ignore[type-var]
    assert len(set(addresses)) == 150
    history = [w async for w in client.withdrawals.history(page_size=30)]
    assert sorted(w.client_order_id or "" for w in history) == sorted(
        f"order-{i}" for i in range(150)
    )
    assert len({w.address async for w in client.wallets.list(page_size=1000)}) == 150
    assert sandbox.balance("USDT") == 0


async def test_a_withdrawal_made_after_the_client_gave_up_is_recovered(
    client: BitexGateClient, sandbox: GatewaySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.set_balance("USDT", Decimal(100))
    sandbox.delay_next(WITHDRAW_CREATE, seconds=0.2)
    with caplog.at_level(logging.WARNING, logger="bitexgate"):
        withdrawal = await client.withdrawals.create(
            ticker="USDT",
            network="tron",
            address=TRON,
            amount=22,
            client_order_id="slow-1",
            timeout=0.05,
        )
    # The client gave up after 0.05 s, the server made it after 0.2 s, the SDK's
    # lookups (from 0.5 s on) found it.
    assert (withdrawal.client_order_id, withdrawal.amount) == ("slow-1", Decimal(22))
    assert len(sandbox.requests_to(WITHDRAW_CREATE)) == 1  # not resent
    assert [w.id for w in sandbox.state.withdrawals] == [withdrawal.id]
    assert sandbox.balance("USDT") == Decimal(77)
    assert "recovered withdrawal" in caplog.text
    assert "RequestTimeout" in caplog.text


@pytest.mark.parametrize("timeout", [False, True], ids=["reset", "timeout"])
async def test_a_connection_lost_after_the_withdrawal_was_made_is_recovered(
    client: BitexGateClient, sandbox: GatewaySandbox, timeout: bool
) -> None:
    sandbox.set_balance("USDT", Decimal(100))
    sandbox.drop_next(WITHDRAW_CREATE, timeout=timeout, after_handling=True)
    withdrawal = await client.withdrawals.create(
        ticker="USDT",
        network="tron",
        address=TRON,
        amount=22,
        client_order_id="lost-1",
        timeout=0.3 if timeout else None,  # served, a timeout is the client's own
    )
    assert withdrawal.client_order_id == "lost-1"
    assert len(sandbox.requests_to(WITHDRAW_CREATE)) == 1
    assert [w.id for w in sandbox.state.withdrawals] == [withdrawal.id]


async def test_requests_waiting_for_a_pooled_connection_arrive_in_time(
    sandbox: GatewaySandbox, base_url: str
) -> None:
    # Each request is held 0.4 s before the sandbox checks its 0.6 s signature, on a
    # pool of one connection: the second waits 0.4 s for it. Signed before waiting, it
    # would be checked 0.8 s after signing (expired); signed after, 0.4 s after. The
    # clock offset is fixed at zero, so no Date header widens the second deadline.
    sandbox.delay_next("/api/gateway/wallets", seconds=0.4, times=2)
    async with (
        httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as http,
        BitexGateClient(
            api_key=sandbox.api_key,
            secret=sandbox.secret,
            base_url=base_url,
            http_client=http,
            signature_window=0.6,
            clock_offset=0.0,
            max_in_flight=1,  # the size of that client's pool
        ) as gw,
    ):
        first, second = await asyncio.gather(gw.wallets.list(), gw.wallets.list())
    assert first.items == second.items  # both accepted: neither arrived expired
    assert len(sandbox.requests_to("/api/gateway/wallets")) == 2
