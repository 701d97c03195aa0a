"""Decoding the reference's samples into models, strictly; enums; the token model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import cattrs
import pytest

from bityclient import (
    AmountMode,
    Currency,
    InputHandlingMode,
    Order,
    OrderCategory,
    OrderStatus,
    PairRate,
    PaymentMethod,
    Rate,
    Token,
    TransactionStatus,
    ValidationError,
    dump_token,
    load_token,
)
from bityclient._decode import (
    ActivationBody,
    GrantBody,
    ListBody,
    converter,
    make_bity_converter,
)
from tests.conftest import FIXTURES

from .conftest import START, bity_fixture

UTC = timezone.utc

# Every sample in tests/fixtures/bityclient and the type it documents.
SAMPLES: dict[str, Any] = {
    "token.json": GrantBody,
    "error_invalid_grant.json": None,  # an error body: see test_auth.py (login refused)
    "verifyphone.json": ActivationBody,
    "rates_list.json": ListBody[Rate],
    "rate_we_sell_ETHBTC.json": PairRate,
    "rate_we_buy_ETHBTC.json": PairRate,
    "order_created.json": Order,
    "orders_list.json": ListBody[Order],
    "list_example.json": ListBody[Order],
}


def test_every_sample_is_listed() -> None:
    on_disk = {path.name for path in (FIXTURES / "bityclient").glob("*.json")}
    assert on_disk == set(SAMPLES)


@pytest.mark.parametrize(("name", "cls"), [(n, c) for n, c in SAMPLES.items() if c is not None])
def test_strict_converter_decodes_every_sample(name: str, cls: Any) -> None:
    strict = make_bity_converter(strict=True)
    decoded = strict.structure(bity_fixture(name), cls)
    assert decoded == converter.structure(bity_fixture(name), cls)


def test_strict_converter_refuses_unknown_keys_the_default_one_keeps_going() -> None:
    data = {**bity_fixture("rate_we_sell_ETHBTC.json"), "new_field": 1}
    with pytest.raises(cattrs.ClassValidationError):
        make_bity_converter(strict=True).structure(data, PairRate)
    assert converter.structure(data, PairRate).pair == "ETHBTC"


def test_rate_list_sample() -> None:
    body = converter.structure(bity_fixture("rates_list.json"), ListBody[Rate])
    first = body.objects[0]
    assert first == Rate(
        pair="ETHEUR",
        source=Currency.ETH,
        target=Currency.EUR,
        rate=Decimal("452.40000000"),
        rate_we_buy=Decimal("449.91370000"),
        rate_we_sell=Decimal("456.44620000"),
        timestamp=datetime(2018, 6, 20, 10, 28, 3, 484648, tzinfo=UTC),
        rate_we_buy_timestamp=datetime(2018, 6, 20, 10, 28, 5, 718739, tzinfo=UTC),
        rate_we_sell_timestamp=datetime(2018, 6, 20, 10, 28, 4, 657892, tzinfo=UTC),
        is_enabled=True,
        resource_uri="/api/v1/rate2/ETHEUR/",
    )
    assert [r.pair for r in body.objects] == ["ETHEUR", "ETHCHF"]
    # Keys of meta the reference's table does not list are kept, not refused.
    assert body.meta.extra == {"disabled": "USDUSD"}
    assert (body.meta.limit, body.meta.offset, body.meta.total_count) == (20, 0, 32)


def test_timestamps_without_zone_are_read_as_utc() -> None:
    # The package converter (a client's default, `server_timezone=timezone.utc`) reads
    # Bity's zone-less timestamps as UTC; see test_server_timezone.py for other zones.
    rate = converter.structure(bity_fixture("rate_we_buy_ETHBTC.json"), PairRate)
    assert rate.timestamp == datetime(2018, 4, 20, 9, 22, 6, 120138, tzinfo=UTC)
    assert rate.timestamp.utcoffset() == timedelta(0)
    # Should the server ever send a zone, the instant is kept and shown in UTC.
    data = {**bity_fixture("rate_we_buy_ETHBTC.json"), "timestamp": "2018-04-20T11:22:06+02:00"}
    assert converter.structure(data, PairRate).timestamp == datetime(
        2018, 4, 20, 9, 22, 6, tzinfo=UTC
    )
    assert converter.structure(data, PairRate).timestamp.tzinfo == UTC


def test_created_order_sample() -> None:
    # The reference's placeholders AMOUNT_BTC / AMOUNT_ETH are not numbers; the sample
    # substitutes 0.50000000 and 7.44634906 (see tests/fixtures/bityclient/README.md).
    order = converter.structure(bity_fixture("order_created.json"), Order)
    assert order.category is OrderCategory.BUY_ETH
    assert order.status is OrderStatus.OPEN
    assert order.amount == Decimal("0.50000000")
    assert order.payment_amount == Decimal("0.5")
    assert order.payment_method is PaymentMethod.STRAIGHT
    assert order.payment_method.is_deprecated
    assert order.currency is None  # "" means no fiat currency (a crypto-to-crypto order)
    assert order.unique_id == "69a2f7b4ede8499faf619dde0a5974e6"
    assert order.timestamp_created == datetime(2016, 6, 12, 21, 50, 12, 367764, tzinfo=UTC)
    assert order.id == "ORDER_NUMBER"
    (tx_in,) = order.input_transactions  # renamed from "inputtransactions"
    assert tx_in.payment_processor_fee == Decimal(0)  # "0E-8"
    assert tx_in.currency is Currency.BTC
    assert tx_in.payment_method_code is PaymentMethod.STRAIGHT
    assert tx_in.status is TransactionStatus.OPEN
    (tx_out,) = order.output_transactions  # renamed from "outputtransactions"
    assert tx_out.amount == Decimal("7.44634906")
    assert tx_out.payout_method_code == "ETH"


def test_listed_orders_sample() -> None:
    body = converter.structure(bity_fixture("orders_list.json"), ListBody[Order])
    first, second = body.objects
    assert first.status is OrderStatus.EXEC
    assert first.category is OrderCategory.BUY
    # The list form lacks the fields only the created form has.
    assert (first.amount, first.currency, first.payment_method, first.unique_id) == (
        None,
        None,
        None,
        None,
    )
    assert first.input_transactions[0].status is TransactionStatus.CONF
    assert first.input_transactions[0].amount == Decimal("1200")
    assert first.input_transactions[0].payment_method_code is PaymentMethod.BANKXFER
    assert first.output_transactions[0].status is TransactionStatus.FILL
    assert first.output_transactions[0].amount == Decimal("0.17578666")
    assert first.output_transactions[0].payout_method_code == "BTC"
    # Inconsistency in the reference: the first order is /api/v1/order/179150/, but its
    # transactions point at /api/v1/order/456321/. The SDK keeps both as sent.
    assert first.id == "179150"
    assert first.input_transactions[0].order == "/api/v1/order/456321/"
    assert second.timestamp_created == datetime(2018, 4, 1, 16, 47, 54, 656158, tzinfo=UTC)


def test_zero_with_exponent_is_zero() -> None:
    data = bity_fixture("orders_list.json")["objects"][1]["inputtransactions"][0]
    assert data["payment_processor_fee"] == "0E-8"
    order = converter.structure(bity_fixture("orders_list.json"), ListBody[Order]).objects[1]
    assert order.input_transactions[0].payment_processor_fee == 0


def test_unknown_codes_are_kept() -> None:
    data = {
        **bity_fixture("orders_list.json")["objects"][0],
        "status": "HOLD",
        "category": "SELL_REP",
    }
    order = converter.structure(data, Order)
    assert order.status.value == "HOLD"
    assert not order.status.is_known
    assert not order.status.is_final  # an unknown status is followed, not taken as settled
    assert order.category == "SELL_REP"
    assert Currency("USD").name == "UNKNOWN_USD"
    assert AmountMode(7).is_known is False


def test_code_tables() -> None:
    assert [m.value for m in OrderCategory] == ["BUY", "SELL", "BUY_ETH", "SELL_ETH", "BUY_REP"]
    assert {m.value for m in PaymentMethod if m.is_deprecated} == {"SKRILLPSP", "STRAIGHT"}
    assert {m.value for m in PaymentMethod if not m.is_deprecated} == {
        "BTCGATEWAY",
        "ETHGATEWAY",
        "SOFORTPSP",
        "BANKXFER",
    }
    assert [(m.name, m.value) for m in AmountMode] == [
        ("DEFAULT", 0),
        ("INPUT", 1),
        ("OUTPUT", 2),
        ("INPUT_PLACEHOLDER", 3),
    ]
    assert [m.value for m in InputHandlingMode] == [0, 1, 2]
    assert [m for m in InputHandlingMode if m.is_deprecated] == [InputHandlingMode.ANY_INPUT_0CONF]
    assert {m.value for m in Currency if m.is_fiat} == {"EUR", "CHF"}
    assert {m.value for m in TransactionStatus} == {"OPEN", "CONF", "FILL"}
    # CANC is not in the reference's samples: the cancelled status the sandbox writes.
    assert {m.value for m in OrderStatus} == {"OPEN", "EXEC", "CANC"}
    assert {m.value for m in OrderStatus if m.is_final} == {"EXEC", "CANC"}


def test_token_repr_hides_secrets() -> None:
    token = Token(access_token="SECRET-ACCESS", refresh_token="SECRET-REFRESH", expires_at=START)
    text = repr(token)
    assert "SECRET" not in text
    assert "access_token='***'" in text
    assert "expires_at=" in text
    assert "refresh_token=None" in repr(Token(access_token="SECRET-ACCESS"))


def test_token_expiry_with_leeway() -> None:
    token = Token(access_token="a", expires_at=START + timedelta(seconds=100))
    assert not token.is_expired(now=START)
    assert not token.is_expired(60, now=START)
    assert token.is_expired(100, now=START)
    assert token.is_expired(now=START + timedelta(seconds=100))
    assert not Token(access_token="a").is_expired(10**9, now=START)  # unknown expiry


def test_token_dump_and_load_round_trip() -> None:
    token = Token(access_token="a", refresh_token="r", scope="read write", expires_at=START)
    data = dump_token(token)
    assert data["expires_at"] == "2024-03-01T12:00:00+00:00"
    assert load_token(data) == token
    with pytest.raises(ValidationError) as info:
        load_token({"refresh_token": "r"})
    assert info.value.field == "token"


def test_list_body_needs_meta_and_objects() -> None:
    with pytest.raises(cattrs.ClassValidationError):
        converter.structure({"objects": []}, ListBody[Rate])
    with pytest.raises(cattrs.ClassValidationError):
        converter.structure({"meta": "nope", "objects": []}, ListBody[Rate])
