"""Callbacks against the sandbox: what it posts parses, and confirm() tells true from forged.

The sandbox posts each record as its history endpoint shows it to the
`callback_url`, here an in-process receiver (`CallbackSink`). Every body parses
with its own parser and is refused by the other two; `confirm()` returns the
API's record (with its newer status) for a genuine callback in one request,
counted in the sandbox's journal, and refuses forged ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import attrs
import httpx
import pytest

from bitexgate import (
    BitexGateClient,
    CallbackNotConfirmedError,
    DecodeError,
    Deposit,
    DepositStatus,
    InvoiceDeposit,
    RetryPolicy,
    Withdrawal,
    WithdrawStatus,
    parse_deposit_callback,
    parse_invoice_callback,
    parse_withdrawal_callback,
)
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import BASE_URL, CallbackSink, funded

HOOK = "https://shop.example/callbacks"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
OTHER_TRON = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
CARD = "4111111111111111"
WALLET_HISTORY = "/api/gateway/wallet/history"
INVOICE_HISTORY = "/api/gateway/invoice/history"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"

PARSERS: list[Callable[[Any], Any]] = [
    parse_deposit_callback,
    parse_invoice_callback,
    parse_withdrawal_callback,
]


@pytest.fixture
def sink() -> CallbackSink:
    return CallbackSink()


@pytest.fixture
async def sandbox(sink: CallbackSink) -> AsyncIterator[GatewaySandbox]:
    """A sandbox whose callbacks go to `sink`, with balances to withdraw from."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(sink.handler))
    async with client, GatewaySandbox(callback_client=client) as created:
        yield funded(created, USDT="1000", UAH="100000", BTC="10")


@pytest.fixture
async def gw(sandbox: GatewaySandbox) -> AsyncIterator[BitexGateClient]:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url=BASE_URL,
        transport=sandbox.transport(),
        retry=RetryPolicy(initial_delay=0, max_retry_after=0),
    ) as client:
        yield client


def bodies(sandbox: GatewaySandbox) -> list[bytes]:
    return [delivery.body for delivery in sandbox.callbacks]


def queries(sandbox: GatewaySandbox, path: str) -> list[dict[str, list[str]]]:
    """The query of each request the sandbox received for `path`."""
    return [parse_qs(request.query) for request in sandbox.requests_to(path)]


def only_own_parser(body: bytes, own: Callable[[Any], Any]) -> Any:
    """`body` parsed by `own`, after each other parser refused it."""
    for parser in PARSERS:
        if parser is not own:
            with pytest.raises(DecodeError):
                parser(body)
    return own(body)


async def a_deposit(gw: BitexGateClient, sandbox: GatewaySandbox, **kwargs: Any) -> Deposit:
    """The callback of a pending USDT deposit of 100 to a new wallet, parsed."""
    wallet = await gw.wallets.create(ticker="USDT", network="tron", callback_url=f"{HOOK}/deposit")
    await sandbox.deposit(wallet.address, "100", **kwargs)
    return parse_deposit_callback(sandbox.callbacks[-1].body)


async def a_payment(gw: BitexGateClient, sandbox: GatewaySandbox) -> InvoiceDeposit:
    """The callback of a pending payment of an invoice of 500 UAH, parsed."""
    invoice = await gw.invoices.create(
        ticker="UAH",
        network="wiretransfer",
        amount="500",
        client_ip="203.0.113.7",
        callback_url=f"{HOOK}/invoice/ord_42",
    )
    await sandbox.pay_invoice(invoice.slug, confirmed=False)
    return parse_invoice_callback(sandbox.callbacks[-1].body)


async def a_withdrawal(
    gw: BitexGateClient, sandbox: GatewaySandbox, *, to: WithdrawStatus, **kwargs: Any
) -> Withdrawal:
    """The callback of a withdrawal moved on to `to`, parsed."""
    params: dict[str, Any] = {
        "ticker": "USDT",
        "network": "tron",
        "address": TRON,
        "amount": "10",
        **kwargs,
    }
    created = await gw.withdrawals.create(callback_url=f"{HOOK}/withdrawal/w", **params)
    await sandbox.advance_withdrawal(created.id, to=to)
    return parse_withdrawal_callback(sandbox.callbacks[-1].body)


# --- what the sandbox posts parses ---------------------------------------------------------------


async def test_every_deposit_body_parses_as_the_history_shows_it(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    wallet = await gw.wallets.create(ticker="BTC", network="bitcoin", callback_url=HOOK)
    await sandbox.deposit(wallet.address, "0.5", txid="tx-ok")
    await sandbox.confirm_deposit("tx-ok")
    await sandbox.deposit(wallet.address, "0.25", txid="tx-no")
    await sandbox.reject_deposit("tx-no")
    await sandbox.deposit(wallet.address, "1", txid="tx-now", confirmed=True)
    parsed = [only_own_parser(body, parse_deposit_callback) for body in bodies(sandbox)]
    assert [(d.txid, d.status) for d in parsed] == [
        ("tx-ok", DepositStatus.PENDING),
        ("tx-ok", DepositStatus.CONFIRMED),
        ("tx-no", DepositStatus.PENDING),
        ("tx-no", DepositStatus.REJECTED),
        ("tx-now", DepositStatus.CONFIRMED),
    ]
    history = {d.txid: d for d in await gw.wallets.history().to_list()}
    assert [d for d in parsed if d.status != DepositStatus.PENDING] == [
        history["tx-ok"],
        history["tx-no"],
        history["tx-now"],
    ]


async def test_every_invoice_payment_body_parses_with_its_conversion(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    invoice = await gw.invoices.create(
        ticker="UAH",
        network="wiretransfer",
        amount="500",
        client_ip="203.0.113.7",
        callback_url=HOOK,
        convert_ticker="USDT",
    )
    await sandbox.pay_invoice(invoice.slug, confirmed=False)
    [pending] = bodies(sandbox)
    await sandbox.confirm_deposit(parse_invoice_callback(pending).txid or "")
    parsed = [only_own_parser(body, parse_invoice_callback) for body in bodies(sandbox)]
    assert [p.status for p in parsed] == [DepositStatus.PENDING, DepositStatus.CONFIRMED]
    assert parsed[1].convert is not None
    assert parsed[1].convert.symbol == "USDT_UAH"
    assert [parsed[1]] == await gw.invoices.history().to_list()


async def test_every_withdrawal_body_parses_at_every_status(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    crypto = await gw.withdrawals.create(
        ticker="USDT", network="tron", amount="10", address=TRON, callback_url=HOOK
    )
    fiat = await gw.withdrawals.create(
        ticker="UAH", network="wiretransfer", amount="150", card=CARD, callback_url=HOOK
    )
    await sandbox.advance_withdrawal(crypto.id, to=WithdrawStatus.DONE)
    await sandbox.refuse_withdrawal(fiat.id)
    parsed = [only_own_parser(body, parse_withdrawal_callback) for body in bodies(sandbox)]
    assert [(w.id, w.status) for w in parsed] == [
        (crypto.id, WithdrawStatus.CONFIRMED),
        (crypto.id, WithdrawStatus.VERIFIED),
        (crypto.id, WithdrawStatus.APPROVED),
        (crypto.id, WithdrawStatus.DONE),
        (fiat.id, WithdrawStatus.REFUSED),
    ]
    assert parsed[3].txid is not None
    assert parsed[2].txid is None
    history = {w.id: w for w in await gw.withdrawals.history().to_list()}
    assert (parsed[3], parsed[4]) == (history[crypto.id], history[fiat.id])


# --- confirm(): genuine callbacks -----------------------------------------------------------------


async def test_a_genuine_deposit_gives_the_apis_record_with_its_newer_status(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    pending = await a_deposit(gw, sandbox, txid="tx-1")
    assert pending.status == DepositStatus.PENDING
    await sandbox.confirm_deposit("tx-1")
    sandbox.clear_requests()

    confirmed = await gw.wallets.confirm(pending)

    assert confirmed.status == DepositStatus.CONFIRMED
    assert confirmed == parse_deposit_callback(sandbox.callbacks[-1].body)
    assert queries(sandbox, WALLET_HISTORY) == [
        {
            "txid": ["tx-1"],
            "ticker": ["USDT"],
            "network": ["tron"],
            "address": [pending.address],
            "limit": ["100"],
        }
    ]
    assert len(sandbox.requests) == 1


async def test_a_genuine_invoice_payment_is_read_back_in_one_request(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    payment = await a_payment(gw, sandbox)
    await sandbox.confirm_deposit(payment.txid or "")
    sandbox.clear_requests()

    confirmed = await gw.invoices.confirm(payment)

    assert (confirmed.txid, confirmed.amount) == (payment.txid, payment.amount)
    assert confirmed.status == DepositStatus.CONFIRMED
    assert [q.keys() for q in queries(sandbox, INVOICE_HISTORY)] == [
        {"txid", "ticker", "network", "limit"}
    ]
    assert len(sandbox.requests) == 1


async def test_a_withdrawal_is_found_by_address_before_it_has_a_txid(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    for _ in range(3):  # others to the same address, before and after it
        await gw.withdrawals.create(ticker="USDT", network="tron", amount="10", address=TRON)
    verified = await a_withdrawal(gw, sandbox, to=WithdrawStatus.VERIFIED)
    await gw.withdrawals.create(ticker="USDT", network="tron", amount="10", address=TRON)
    await sandbox.advance_withdrawal(verified.id, to=WithdrawStatus.APPROVED)
    sandbox.clear_requests()

    confirmed = await gw.withdrawals.confirm(verified)

    assert (confirmed.id, confirmed.status) == (verified.id, WithdrawStatus.APPROVED)
    assert queries(sandbox, WITHDRAW_HISTORY) == [
        {"address": [TRON], "ordering": ["-id"], "limit": ["100"]}
    ]
    assert len(sandbox.requests) == 1


async def test_a_sent_withdrawal_is_found_by_its_txid(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    done = await a_withdrawal(gw, sandbox, to=WithdrawStatus.DONE, client_order_id="ord-7")
    sandbox.clear_requests()
    assert await gw.withdrawals.confirm(done) == done
    assert queries(sandbox, WITHDRAW_HISTORY) == [
        {"txid": [done.txid or ""], "ordering": ["-id"], "limit": ["100"]}
    ]


async def test_a_card_withdrawal_is_read_back(gw: BitexGateClient, sandbox: GatewaySandbox) -> None:
    refused = await a_withdrawal(
        gw,
        sandbox,
        to=WithdrawStatus.REFUSED,
        ticker="UAH",
        network="wiretransfer",
        address=None,
        card=CARD,
        amount="150",
    )
    assert await gw.withdrawals.confirm(refused) == refused


# --- confirm(): forged callbacks ------------------------------------------------------------------

Confirm = Callable[[BitexGateClient, Any], Awaitable[Any]]


async def refused(confirm: Awaitable[Any]) -> CallbackNotConfirmedError:
    with pytest.raises(CallbackNotConfirmedError) as caught:
        await confirm
    assert "confirmed" not in str(caught.value).lower()
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("1000")}, "amount"),
        ({"amount": Decimal("100.00000001")}, "amount"),
        ({"address": OTHER_TRON}, None),  # asked for by address: not there at all
        ({"ticker": "BTC"}, None),
        ({"network": "ethereum"}, None),
        ({"txid": "made-up"}, None),
        ({"wallet_slug": "someone-elses"}, "wallet_slug"),
        ({"memo": "user-17"}, "memo"),
    ],
)
async def test_a_forged_deposit_is_refused(
    gw: BitexGateClient, sandbox: GatewaySandbox, changes: dict[str, Any], field: str | None
) -> None:
    genuine = await a_deposit(gw, sandbox, confirmed=True)
    forged = attrs.evolve(genuine, **changes)
    sandbox.clear_requests()

    error = await refused(gw.wallets.confirm(forged))

    assert error.callback is forged
    assert len(sandbox.requests) == 1
    if field is None:
        assert (error.record, error.mismatches) == (None, {})
        assert "has no wallet deposit" in str(error)
    else:
        assert error.record == genuine
        assert error.mismatches == {field: (getattr(forged, field), getattr(genuine, field))}
        assert f"{field}: callback " in str(error)


async def test_a_deposit_without_a_txid_is_refused_without_a_request(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    genuine = await a_deposit(gw, sandbox)
    sandbox.clear_requests()
    for txid in (None, "", "  "):
        error = await refused(gw.wallets.confirm(attrs.evolve(genuine, txid=txid)))
        assert "has no txid" in str(error)
        assert error.record is None
    assert sandbox.requests == []


@pytest.mark.parametrize(
    "changes",
    [{"amount": Decimal("499")}, {"txid": "404"}, {"ticker": "USDT"}, {"network": "payeer"}],
)
async def test_a_forged_invoice_payment_is_refused(
    gw: BitexGateClient, sandbox: GatewaySandbox, changes: dict[str, Any]
) -> None:
    genuine = await a_payment(gw, sandbox)
    error = await refused(gw.invoices.confirm(attrs.evolve(genuine, **changes)))
    if "amount" in changes:
        assert error.mismatches == {"amount": (Decimal("499"), genuine.amount)}
        assert error.record == genuine
    else:
        assert error.record is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("1000")}, "amount"),
        ({"ticker": "BTC"}, "ticker"),
        ({"network": "ethereum"}, "network"),
        ({"card": CARD}, "card"),
        ({"client_order_id": "ord-other"}, "client_order_id"),
    ],
)
async def test_a_forged_withdrawal_is_refused(
    gw: BitexGateClient, sandbox: GatewaySandbox, changes: dict[str, Any], field: str
) -> None:
    genuine = await a_withdrawal(gw, sandbox, to=WithdrawStatus.DONE, client_order_id="ord-1")
    forged = attrs.evolve(genuine, **changes)
    error = await refused(gw.withdrawals.confirm(forged))
    assert error.record == genuine
    assert error.mismatches == {field: (getattr(forged, field), getattr(genuine, field))}


async def test_a_withdrawal_to_another_address_is_not_found(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    genuine = await a_withdrawal(gw, sandbox, to=WithdrawStatus.CONFIRMED)
    error = await refused(gw.withdrawals.confirm(attrs.evolve(genuine, address=OTHER_TRON)))
    assert error.record is None
    assert "withdraw/history has no withdrawal with id" in str(error)


@pytest.mark.parametrize("offset", [1, 1000, -1])
async def test_a_withdrawal_id_that_does_not_exist_is_refused_in_one_request(
    gw: BitexGateClient, sandbox: GatewaySandbox, offset: int
) -> None:
    genuine = await a_withdrawal(gw, sandbox, to=WithdrawStatus.CONFIRMED)
    await gw.withdrawals.create(ticker="USDT", network="tron", amount="10", address=TRON)
    sandbox.clear_requests()
    forged = attrs.evolve(genuine, id=genuine.id + offset + (1 if offset > 0 else 0))
    error = await refused(gw.withdrawals.confirm(forged))
    assert (error.record, error.mismatches) == (None, {})
    assert f"id {forged.id}" in str(error)
    assert len(sandbox.requests) == 1


async def test_a_receiver_acts_only_on_callbacks_to_its_url_that_the_api_bears_out() -> None:
    """A shop's receiver: it checks the URL's token, parses, and confirms before acting."""
    acted: list[Deposit] = []
    refusals: list[str] = []

    async def receive(request: httpx.Request) -> httpx.Response:
        if not gw.verify_callback_url(request.url):
            return httpx.Response(403)
        try:
            deposit = await gw.wallets.confirm(parse_deposit_callback(request.content))
        except (DecodeError, CallbackNotConfirmedError) as exc:
            refusals.append(type(exc).__name__)
            return httpx.Response(200)  # answered: there is nothing to deliver again
        acted.append(deposit)
        return httpx.Response(200)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(receive)) as outside,
        GatewaySandbox(callback_client=outside) as sandbox,
        BitexGateClient(
            api_key=sandbox.api_key,
            secret=sandbox.secret,
            base_url=BASE_URL,
            transport=sandbox.transport(),
        ) as gw,
    ):
        url = gw.callback_url(f"{HOOK}/deposit", ref="user-17")
        wallet = await gw.wallets.create(ticker="USDT", network="tron", callback_url=url)
        await sandbox.deposit(wallet.address, "100", txid="tx-real", confirmed=True)
        assert [d.txid for d in acted] == ["tx-real"]  # posted by the sandbox, confirmed

        genuine = sandbox.callbacks[-1].body
        data = json.loads(genuine)
        forged = json.dumps({**data, "amount": "900.00000000"}).encode()
        assert (await outside.post(url, content=forged)).status_code == 200
        assert (await outside.post(url.split("&token=")[0], content=genuine)).status_code == 403
        elsewhere = gw.callback_url(f"{HOOK}/deposit", ref="user-18")
        as_17 = elsewhere.replace("ref=user-18", "ref=user-17")
        assert (await outside.post(as_17, content=genuine)).status_code == 403
        history = await gw.wallets.history().to_list()

    assert acted == history
    assert refusals == ["CallbackNotConfirmedError"]
