"""Bity's pure request builders, on the reference's own examples: no I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bityclient import AmountMode, Currency, OrderCategory, PaymentMethod, ValidationError
from bityclient._requests import list_query, order_body, pair_path, verify_phone_body


def test_the_reference_order_example() -> None:
    # curl ... --data '{"payment_method": "STRAIGHT", "currency": "", "amount": "AMOUNT_BTC",
    #   "amount_mode": 3, "crypto_address": "ETHER ADDRESS", "category":"BUY_ETH",
    #   "person": "/api/v1/person/PERSONID/"}'
    body = order_body(
        payment_method=PaymentMethod.STRAIGHT,
        currency="",
        amount=Decimal("0.5"),
        amount_mode=3,
        crypto_address="0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        category=OrderCategory.BUY_ETH,
        person="/api/v1/person/151515/",
    )
    assert body == {
        "payment_method": "STRAIGHT",
        "currency": "",
        "amount": "0.5",
        "amount_mode": 3,
        "crypto_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "category": "BUY_ETH",
        "person": "/api/v1/person/151515/",
    }
    assert list(body) == [
        "payment_method",
        "currency",
        "amount",
        "amount_mode",
        "crypto_address",
        "category",
        "person",
    ]


def test_what_is_left_out_is_not_sent() -> None:
    body = order_body(
        category="SELL_ETH", amount="1.25", currency=Currency.CHF, amount_mode=AmountMode.INPUT
    )
    assert body == {"currency": "CHF", "amount": "1.25", "amount_mode": 1, "category": "SELL_ETH"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"category": "BUY", "amount": "0.123456789"}, "amount"),
        ({"category": "BUY", "amount": 1.5}, "amount"),
        ({"category": "BUY", "amount": "1", "crypto_address": "0x a"}, "crypto_address"),
        ({"category": "", "amount": "1"}, "category"),
        ({"category": "BUY", "amount": "1", "amount_mode": True}, "amount_mode"),
    ],
)
def test_bad_order_input_names_the_field(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        order_body(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_list_queries_as_tastypie_takes_them() -> None:
    assert list_query() == {}
    assert list_query(page_size=10, offset=1, order_by="+id") == {
        "limit": "10",
        "offset": "1",
        "order_by": "id",
    }
    assert list_query(order_by="-timestamp_created") == {"order_by": "-timestamp_created"}


def test_paths_and_bodies_of_the_other_endpoints() -> None:
    assert pair_path("rate_we_sell", "ETHBTC") == "/api/v1/rate_we_sell/ETHBTC/"
    assert verify_phone_body(phone="+41786399501", code="381499") == {
        "phone": "+41786399501",
        "code": "381499",
    }
    with pytest.raises(ValidationError):
        pair_path("rate_we_buy", "ETH/BTC")
