"""Amounts reach a Django REST framework server exactly, and an echo that differs is loud.

DRF's JSON parser reads a number with a fraction as a binary float, and a
DecimalField then stores that float's `str()`: the sandbox does the same. The
reference shows amounts as JSON numbers (`"amount": 120`); the SDK keeps that
form where a float round trip is exact and sends the exact text otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import respx

from bitexgate import AmountMismatchError, BitexGateClient, DecodeError, sign
from bitexgate._amounts import wire_amount, wire_body
from bitexgate.sandbox import GatewaySandbox
from tests.conftest import fixture_json

from .conftest import API_KEY, BASE_URL, SECRET

WALLET_CREATE = "/api/gateway/wallet/create"
INVOICE_CREATE = "/api/gateway/invoice/create"


@pytest.mark.parametrize(
    ("amount", "wire"),
    [
        ("120", Decimal("120")),
        ("22.0000000", Decimal("22.0000000")),
        ("0.1", Decimal("0.1")),
        ("0.00000001", Decimal("0.00000001")),
        ("123456.12345678", Decimal("123456.12345678")),  # 14 digits: a float keeps them
        ("12345678901234567890", Decimal("12345678901234567890")),  # whole: read as an int
        ("999999999.99999999", "999999999.99999999"),  # 17 digits: a float rounds them
        ("12345678901.12345678", "12345678901.12345678"),
        ("1E+2", Decimal("1E+2")),
    ],
)
def test_an_amount_is_a_number_only_where_a_float_keeps_it(
    amount: str, wire: Decimal | str
) -> None:
    sent = wire_amount(Decimal(amount))
    assert sent == wire
    assert type(sent) is type(wire)


def test_only_amounts_change_form() -> None:
    body = {"ticker": "USDT", "amount": Decimal("999999999.99999999"), "fee_payer": 1}
    assert wire_body(body) == {"ticker": "USDT", "amount": "999999999.99999999", "fee_payer": 1}


@pytest.fixture
async def sandboxed() -> AsyncIterator[tuple[GatewaySandbox, BitexGateClient]]:
    async with (
        GatewaySandbox() as sandbox,
        sandbox.serve() as url,
        BitexGateClient(api_key=sandbox.api_key, secret=sandbox.secret, base_url=url) as gw,
    ):
        yield sandbox, gw


async def test_the_sandbox_rounds_a_bare_number_as_drf_does(
    sandboxed: tuple[GatewaySandbox, BitexGateClient],
) -> None:
    """What the SDK guards against: the same amount sent by hand as a JSON number."""
    sandbox, gw = sandboxed
    body = b'{"ticker": "ETH", "network": "ethereum", "convert_ticker": "USDT", '
    body += b'"convert_limit": 999999999.99999999}'
    deadline = int(time.time() * 1000) + 500
    headers = {
        "Content-Type": "application/json",
        "X-Key": sandbox.api_key,
        "X-Timeout": str(deadline),
        "X-Sign": sign(
            secret=sandbox.secret,
            api_key=sandbox.api_key,
            path=WALLET_CREATE,
            timeout=deadline,
            body=body,
        ),
    }
    async with httpx.AsyncClient() as raw:
        response = await raw.post(gw.base_url + WALLET_CREATE, content=body, headers=headers)
    assert response.status_code == 201
    assert response.json()["convert_limit"] == "1000000000.00000000"


@pytest.mark.parametrize("limit", ["999999999.99999999", "12345678901.12345678", "0.1", "22"])
async def test_amounts_are_stored_exactly_on_a_float_reading_server(
    sandboxed: tuple[GatewaySandbox, BitexGateClient], limit: str
) -> None:
    _, gw = sandboxed
    wallet = await gw.wallets.create(
        ticker="ETH", network="ethereum", convert_ticker="USDT", convert_limit=limit
    )
    assert wallet.convert_limit == Decimal(limit)


async def test_a_different_echo_raises_with_both_amounts_and_the_record() -> None:
    answer = {**fixture_json("bitexgate", "invoice_create.json"), "amount": "1000000000"}
    with respx.mock(base_url=BASE_URL) as router:
        route = router.post(INVOICE_CREATE).respond(201, json=answer)
        async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
            with pytest.raises(AmountMismatchError) as caught:
                await gw.invoices.create(
                    ticker="USDT",
                    network="payeer",
                    amount=Decimal("999999999.99999999"),
                    client_ip="203.0.113.7",
                )
    error = caught.value
    assert json.loads(route.calls.last.request.content)["amount"] == "999999999.99999999"
    assert (error.field, error.sent, error.received) == (
        "amount",
        Decimal("999999999.99999999"),
        Decimal("1000000000"),
    )
    assert error.record.slug == answer["slug"]
    assert not error.outcome_unknown  # it is known: the invoice exists
    assert error.may_have_reached_server
    assert "do not send it again" in str(error)
    assert route.call_count == 1


async def test_an_equal_amount_in_another_notation_is_no_mismatch() -> None:
    answer = {**fixture_json("bitexgate", "invoice_create.json"), "amount": "120.00000000"}
    with respx.mock(base_url=BASE_URL) as router:
        router.post(INVOICE_CREATE).respond(201, json=answer)
        async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
            invoice = await gw.invoices.create(
                ticker="USDT", network="payeer", amount=120, client_ip="203.0.113.7"
            )
    assert invoice.amount == 120


async def test_an_amount_with_a_huge_exponent_in_an_answer_is_a_decode_error() -> None:
    page = fixture_json("bitexgate", "wallets.json")
    page["results"][0]["convert_limit"] = "1E+999999999"
    with respx.mock(base_url=BASE_URL) as router:
        router.get("/api/gateway/wallets").respond(json=page)
        async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
            with pytest.raises(DecodeError) as caught:
                await gw.wallets.list()
    assert "1E+999999999" in caught.value.text


async def test_a_withdrawal_net_of_its_fee_is_not_compared_on_its_amount() -> None:
    """With fee_payer=2 the answer may show the amount less the fee: the reference is silent."""
    answer = {**fixture_json("bitexgate", "withdraw_create.json"), "amount": "21.00000000"}
    with respx.mock(base_url=BASE_URL) as router:
        router.post("/api/gateway/withdraw/create").respond(201, json=answer)
        async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
            withdrawal = await gw.withdrawals.create(
                ticker="USDT",
                network="tron",
                address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                amount=22,
                fee_payer=2,
            )
            assert withdrawal.amount == Decimal("21")
            with pytest.raises(AmountMismatchError):
                await gw.withdrawals.create(
                    ticker="USDT",
                    network="tron",
                    address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
                    amount=22,
                    fee_payer=1,
                )
