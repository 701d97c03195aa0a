"""Every documented endpoint: what is sent (method, path, query, auth, body) and what decodes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import httpx
import respx

from bitexgate import (
    BitexGateClient,
    Conversion,
    Deposit,
    DepositStatus,
    FeePayer,
    Invoice,
    InvoiceDeposit,
    PaymentMethod,
    Wallet,
    Withdrawal,
    WithdrawStatus,
)
from tests.conftest import fixture_json

from .conftest import assert_signed


def sent(route: respx.Route) -> httpx.Request:
    assert route.call_count == 1
    return route.calls.last.request


def body_of(request: httpx.Request) -> object:
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(request.content, parse_float=Decimal)


async def test_payment_methods_list(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    route = gateway_mock.get("/api/gateway/payment-methods").respond(
        json=fixture_json("bitexgate", "payment_methods.json")
    )

    methods = await gw.payment_methods.list(ordering="-id")

    request = sent(route)
    assert request.method == "GET"
    assert request.url.path == "/api/gateway/payment-methods"
    assert dict(request.url.params) == {"ordering": "-id"}
    assert request.content == b""
    assert_signed(request)
    assert methods == [
        PaymentMethod(
            ticker="BTC",
            network="bitcoin",
            min_deposit=Decimal("0.00100000"),
            max_deposit=Decimal("10000000000.00000000"),
            deposit_fee_amount=Decimal("0"),
            deposit_fee_rate=Decimal("0"),
            min_withdraw=Decimal("0.00060000"),
            max_withdraw=Decimal("100.00000000"),
            withdraw_fee_amount=Decimal("0.00040000"),
            withdraw_fee_rate=Decimal("0"),
            withdraw_fee_currency="BTC",
            is_fiat=False,
            is_deposit_enabled=True,
            is_withdraw_enabled=True,
        ),
        PaymentMethod(
            ticker="UAH",
            network="wiretransfer",
            min_deposit=Decimal("25.2"),
            max_deposit=Decimal("100000"),
            deposit_fee_amount=Decimal("5"),
            deposit_fee_rate=Decimal("0.01"),
            min_withdraw=Decimal("100"),
            max_withdraw=Decimal("10000"),
            withdraw_fee_amount=Decimal("5"),
            withdraw_fee_rate=Decimal("0.015"),
            withdraw_fee_currency="UAH",
            is_fiat=True,
            is_deposit_enabled=True,
            is_withdraw_enabled=True,
        ),
    ]
    assert str(methods[0].min_deposit) == "0.00100000"  # the scale is kept as sent


async def test_payment_methods_without_ordering_sends_no_query(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get("/api/gateway/payment-methods").respond(json=[])
    assert await gw.payment_methods.list() == []
    assert sent(route).url.query == b""


async def test_payment_methods_tolerates_a_paginated_answer(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    sample = fixture_json("bitexgate", "payment_methods.json")
    gateway_mock.get("/api/gateway/payment-methods").respond(
        json={"count": 2, "next": None, "previous": None, "results": sample}
    )
    methods = await gw.payment_methods.list()
    assert [m.ticker for m in methods] == ["BTC", "UAH"]


async def test_wallet_create(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    route = gateway_mock.post("/api/gateway/wallet/create").respond(
        json=fixture_json("bitexgate", "wallet_create.json")
    )

    wallet = await gw.wallets.create(
        ticker="ETH",
        network="ethereum",
        convert_ticker="USDT",
        convert_limit=Decimal("10000"),
        convert_percent=Decimal("2"),
    )

    request = sent(route)
    assert request.method == "POST"
    # Byte for byte what the reference client's json.dumps sends for its sample body.
    assert (
        request.content
        == json.dumps(
            {
                "ticker": "ETH",
                "network": "ethereum",
                "convert_ticker": "USDT",
                "convert_limit": 10000,
                "convert_percent": 2,
            }
        ).encode()
    )
    assert request.url.query == b""
    assert_signed(request)
    assert wallet == Wallet(
        address="0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1",
        slug="659b46e76ae05ce03b19ec39f64dbea6f29e",
        ticker="ETH",
        network="ethereum",
        callback_url=None,
        convert_ticker="USDT",
        convert_limit=Decimal("10000"),
        convert_percent=Decimal("2"),
        created_at=datetime(2021, 5, 21, 12, 10, 54, 552073, tzinfo=timezone.utc),
    )


async def test_wallet_create_minimal_body_omits_unset_fields(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post("/api/gateway/wallet/create").respond(
        json=fixture_json("bitexgate", "wallet_create.json")
    )
    await gw.wallets.create(ticker="USDT", network="tron", callback_url="https://shop.example/cb")
    assert body_of(sent(route)) == {
        "ticker": "USDT",
        "network": "tron",
        "callback_url": "https://shop.example/cb",
    }


async def test_wallets_list(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    sample = fixture_json("bitexgate", "wallets.json")
    sample["next"] = None
    route = gateway_mock.get("/api/gateway/wallets").respond(json=sample)

    wallets = [w async for w in gw.wallets.list(ordering="-id", page_size=2)]

    request = sent(route)
    assert request.method == "GET"
    assert dict(request.url.params) == {"ordering": "-id", "limit": "2"}
    assert_signed(request)
    assert [w.slug for w in wallets] == [
        "529e67dd83f210e727702d15ffbde9548917",
        "fd00bbe3f2b24da40b62cf6675f03f656e3a",
    ]
    assert wallets[0].convert_limit == Decimal("30")
    assert wallets[1].convert_ticker is None
    assert wallets[1].convert_limit is None


async def test_wallet_history_sends_every_filter(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    sample = fixture_json("bitexgate", "wallet_history.json")
    route = gateway_mock.get("/api/gateway/wallet/history").respond(json=sample)

    page = await gw.wallets.history(
        ticker="USDT",
        network="tron",
        status=DepositStatus.CONFIRMED,
        txid="b104",
        address="TR4d",
        payment_id="p-1",
        memo="m-1",
        destination_tag="42",
        ordering="-id",
        page=3,
        page_size=50,
    )

    request = sent(route)
    assert dict(request.url.params) == {
        "ticker": "USDT",
        "network": "tron",
        "status": "5",
        "txid": "b104",
        "address": "TR4d",
        "payment_id": "p-1",
        "memo": "m-1",
        "destination_tag": "42",
        "ordering": "-id",
        "page": "3",
        "limit": "50",
    }
    assert_signed(request)
    assert page.total_count == 123
    assert page.next_query == {"page": "2"}
    assert page.items == [
        Deposit(
            address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
            wallet_slug="529e67dd83f210e727702d15ffbde9548917",
            date=datetime(2021, 5, 20, 14, 56, 10, 196967, tzinfo=timezone.utc),
            amount=Decimal("5"),
            fee=Decimal("0"),
            ticker="USDT",
            network="tron",
            status=DepositStatus.CONFIRMED,
            txid="b104deee6cdbd07e4d97f16b88ec21014059d5837e2428a7f0d48e58e80d5d81",
            actual_confirmations=None,
            required_confirmations=40,
            aml_success=True,
            aml_risk=Decimal("0"),
            aml_url=None,
            created_at=datetime(2021, 5, 20, 14, 56, 10, 196967, tzinfo=timezone.utc),
        )
    ]
    # The sample sends the status as the text "5"; it decodes to the enum member.
    assert page.items[0].status is DepositStatus.CONFIRMED


async def test_invoice_create(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    route = gateway_mock.post("/api/gateway/invoice/create").respond(
        json=fixture_json("bitexgate", "invoice_create.json")
    )

    invoice = await gw.invoices.create(
        ticker="USDT",
        network="payeer",
        amount=Decimal("120"),
        payment_url="https://exchange.com/success",
        cancel_url="https://exchange.com/cancel",
        callback_url="https://exchange.com/api/callback",
        convert_ticker="ETH",
        convert_limit=10000,
        convert_percent=Decimal("2"),
        client_ip="192.168.0.1",
    )

    request = sent(route)
    assert request.method == "POST"
    assert body_of(request) == {
        "ticker": "USDT",
        "network": "payeer",
        "amount": 120,
        "payment_url": "https://exchange.com/success",
        "cancel_url": "https://exchange.com/cancel",
        "callback_url": "https://exchange.com/api/callback",
        "convert_ticker": "ETH",
        "convert_limit": 10000,
        "convert_percent": 2,
        "client_ip": "192.168.0.1",
    }
    assert_signed(request)
    assert invoice == Invoice(
        slug="659b46e33ae05ce03b19ec39f64dbea6f29e",
        ticker="USDT",
        network="payeer",
        amount=Decimal("120"),
        proceed_url="payment-url",
        payment_url="https://exchange.com/success",
        convert_ticker="ETH",
        convert_limit=Decimal("10000"),
        convert_percent=Decimal("2"),
        created_at=datetime(2021, 5, 21, 12, 10, 54, 552073, tzinfo=timezone.utc),
    )


async def test_invoice_amount_is_sent_as_an_exact_number(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post("/api/gateway/invoice/create").respond(
        json={**fixture_json("bitexgate", "invoice_create.json"), "amount": "120.10000000"}
    )
    await gw.invoices.create(
        ticker="UAH", network="wiretransfer", amount="120.10", client_ip="2001:db8::1"
    )
    assert b'"amount": 120.10' in sent(route).content


async def test_invoices_list(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    sample = fixture_json("bitexgate", "invoices.json")
    route = gateway_mock.get("/api/gateway/invoices").respond(json=sample)

    page = await gw.invoices.list(ordering="id", page=1, page_size=10)

    request = sent(route)
    assert dict(request.url.params) == {"ordering": "id", "page": "1", "limit": "10"}
    assert_signed(request)
    assert page.items[0].callback_url == "https://exchange.com/api/callback"
    assert page.items[0].amount == Decimal("120")
    assert page.items[0].proceed_url is None


async def test_invoice_history(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    # The reference's "HTTP Request" line for this endpoint says /api/gateway/wallet/history,
    # a copy of the wallet section; its code sample and next links say invoice/history.
    route = gateway_mock.get("/api/gateway/invoice/history").respond(
        json=fixture_json("bitexgate", "invoice_history.json")
    )

    page = await gw.invoices.history(ticker="UAH", status=5)

    request = sent(route)
    assert request.url.path == "/api/gateway/invoice/history"
    assert dict(request.url.params) == {"ticker": "UAH", "status": "5"}
    assert_signed(request)
    assert page.items == [
        InvoiceDeposit(
            date=datetime(2021, 5, 25, 14, 54, 32, 826135, tzinfo=timezone.utc),
            amount=Decimal("292"),
            fee=Decimal("8"),
            ticker="UAH",
            network="wiretransfer",
            status=DepositStatus.CONFIRMED,
            txid="361865033",
            convert=Conversion(
                symbol="USDT_UAH",
                amount=Decimal("9.04537866"),
                price=Decimal("28.5285"),
                side="BUY",
                state="partial-filled",
            ),
            created_at=datetime(2021, 5, 25, 14, 54, 32, 826135, tzinfo=timezone.utc),
        )
    ]


async def test_withdrawal_create(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    route = gateway_mock.post("/api/gateway/withdraw/create").respond(
        json=fixture_json("bitexgate", "withdraw_create.json")
    )

    withdrawal = await gw.withdrawals.create(
        ticker="USDT",
        network="tron",
        address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
        payment_id="",
        memo="",
        comment="Call after success",
        destination_tag="",
        amount=Decimal("22"),
        client_order_id="order_123",
        fee_payer=FeePayer.BALANCE,
        auto_buy_ticker="ETH",
        auto_buy_percent=10,
    )

    request = sent(route)
    assert request.method == "POST"
    # The reference's sample body, in its order, byte for byte as json.dumps writes it.
    assert (
        request.content
        == json.dumps(
            {
                "ticker": "USDT",
                "network": "tron",
                "address": "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                "payment_id": "",
                "memo": "",
                "comment": "Call after success",
                "destination_tag": "",
                "amount": 22,
                "client_order_id": "order_123",
                "fee_payer": 1,
                "auto_buy_ticker": "ETH",
                "auto_buy_percent": 10,
            }
        ).encode()
    )
    assert_signed(request)
    assert withdrawal == Withdrawal(
        id=0,
        ticker="USDT",
        network="tron",
        address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
        payment_id=None,
        memo=None,
        comment="Call after success",
        destination_tag=None,
        amount=Decimal("22.0000000"),
        callback_url=None,
        client_order_id="order_123",
        fee_payer=FeePayer.BALANCE,
        status=WithdrawStatus(0),
        auto_buy=Conversion(
            symbol="ETH", amount=Decimal("22"), price=Decimal("3300"), side=1, state="string"
        ),
        created_at=datetime(2021, 5, 21, 13, 28, 32, 95000, tzinfo=timezone.utc),
    )
    # The sample's status 0 is not in the documented table: it is kept, not refused.
    assert withdrawal.status == 0
    assert not withdrawal.status.is_known


async def test_fiat_withdrawal_sends_the_card(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.post("/api/gateway/withdraw/create").respond(
        json={
            **fixture_json("bitexgate", "withdraw_create.json"),
            "ticker": "UAH",
            "network": "wiretransfer",
            "address": None,
            "card": "4111111111111111",
            "amount": "150.50000000",
            "status": 10,
        }
    )
    withdrawal = await gw.withdrawals.create(
        ticker="UAH",
        network="wiretransfer",
        card="4111111111111111",
        amount="150.50",
        fee_payer=2,
        callback_url="https://shop.example/withdrawals",
    )
    assert body_of(sent(route)) == {
        "ticker": "UAH",
        "network": "wiretransfer",
        "card": "4111111111111111",
        "amount": Decimal("150.50"),
        "callback_url": "https://shop.example/withdrawals",
        "fee_payer": 2,
    }
    assert withdrawal.status is WithdrawStatus.NEW
    assert withdrawal.card == "4111111111111111"


async def test_withdrawal_history(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    route = gateway_mock.get("/api/gateway/withdraw/history").respond(
        json=fixture_json("bitexgate", "withdraw_history.json")
    )

    page = await gw.withdrawals.history(
        ticker="USDT",
        network="tron",
        status=WithdrawStatus.DONE,
        txid="abc",
        address="TR4d",
        ordering="-id",
        page_size=20,
    )

    request = sent(route)
    assert dict(request.url.params) == {
        "ticker": "USDT",
        "network": "tron",
        "status": "30",
        "txid": "abc",
        "address": "TR4d",
        "ordering": "-id",
        "limit": "20",
    }
    assert_signed(request)
    (item,) = page.items
    # The list sample sends the amount as the number 22, the create sample as "22.0000000".
    assert item.amount == Decimal("22")
    # Its AML fields are placeholders ("string") where a deposit has true / 0: kept as sent.
    assert item.aml_success == "string"
    assert item.aml_risk == "string"
    assert item.txid == "string"
    assert item.auto_buy is not None
    assert item.auto_buy.price == Decimal("3300")
