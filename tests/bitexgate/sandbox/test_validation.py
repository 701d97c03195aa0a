"""Invalid input gets Django REST framework's 400 bodies, field by field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import Raw, funded

WALLET_CREATE = "/api/gateway/wallet/create"
INVOICE_CREATE = "/api/gateway/invoice/create"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"

REQUIRED = ["This field is required."]
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


async def bad(raw: Raw, path: str, payload: Any) -> dict[str, Any]:
    response = await raw.post(path, payload)
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    return body


def withdrawal(**changes: Any) -> dict[str, Any]:
    body = {"ticker": "USDT", "network": "tron", "address": TRON, "amount": 22}
    return {key: value for key, value in {**body, **changes}.items() if value is not ...}


# -- the body itself -----------------------------------------------------------


async def test_malformed_json_is_a_parse_error(raw: Raw) -> None:
    response = await raw.post_bytes(WALLET_CREATE, b'{"ticker": ')
    assert response.status_code == 400
    assert response.json() == {
        "detail": "JSON parse error - Expecting value: line 1 column 12 (char 11)"
    }


async def test_nan_is_not_json(raw: Raw) -> None:
    response = await raw.post_bytes(WITHDRAW_CREATE, b'{"amount": NaN}')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - Out of range float values")


@pytest.mark.parametrize(
    ("content_type", "detail"),
    [
        (None, 'Unsupported media type "" in request.'),
        ("text/plain", 'Unsupported media type "text/plain" in request.'),
    ],
)
async def test_a_body_that_is_not_json_is_unsupported(
    raw: Raw, content_type: str | None, detail: str
) -> None:
    response = await raw.post_bytes(WALLET_CREATE, b'{"ticker": "BTC"}', content_type)
    assert response.status_code == 415
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "Invalid data. Expected a dictionary, but got list."),
        ("text", "Invalid data. Expected a dictionary, but got str."),
        (None, "No data provided"),
    ],
)
async def test_a_body_that_is_not_an_object(raw: Raw, payload: Any, message: str) -> None:
    assert await bad(raw, WALLET_CREATE, payload) == {"non_field_errors": [message]}


async def test_an_empty_body_lacks_every_required_field(raw: Raw) -> None:
    response = await raw.post_bytes(WITHDRAW_CREATE, b"")
    assert response.status_code == 400
    assert response.json() == {"ticker": REQUIRED, "network": REQUIRED, "amount": REQUIRED}


async def test_unknown_paths_are_drf_404s(raw: Raw) -> None:
    for path in ("/api/gateway/nothing", "/api/gateway/wallets/", "/"):
        response = await raw.get(path)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


# -- wallets ---------------------------------------------------------------------


async def test_wallet_fields(raw: Raw) -> None:
    assert await bad(raw, WALLET_CREATE, {}) == {"ticker": REQUIRED, "network": REQUIRED}
    assert await bad(raw, WALLET_CREATE, {"ticker": " ", "network": None}) == {
        "ticker": ["This field may not be blank."],
        "network": ["This field may not be null."],
    }
    assert await bad(
        raw,
        WALLET_CREATE,
        {
            "ticker": ["BTC"],
            "network": "bitcoin",
            "callback_url": "not a url",
            "convert_limit": "lots",
            "convert_percent": "1.123456789",
        },
    ) == {
        "ticker": ["Not a valid string."],
        "callback_url": ["Enter a valid URL."],
        "convert_percent": ["Ensure that there are no more than 8 decimal places."],
        "convert_limit": ["A valid number is required."],
    }


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"ticker": "DOGE", "network": "dogecoin"},
            {"non_field_errors": ["Payment method DOGE/dogecoin does not exist."]},
        ),
        (
            {"ticker": "UAH", "network": "wiretransfer"},
            {
                "non_field_errors": [
                    "UAH/wiretransfer is a fiat payment method: wallets are for crypto; "
                    "create an invoice instead."
                ]
            },
        ),
        (
            {"ticker": "ETH", "network": "ethereum", "convert_ticker": "UAX"},
            {"convert_ticker": ["Pair UAX/ETH does not exist."]},
        ),
        (
            {"ticker": "ETH", "network": "ethereum", "convert_ticker": "ETH"},
            {"convert_ticker": ["Pair ETH/ETH does not exist."]},
        ),
        (
            {"ticker": "ETH", "network": "ethereum", "convert_percent": 101},
            {"convert_percent": ["Ensure this value is less than or equal to 100.00000000."]},
        ),
        (
            {"ticker": "ETH", "network": "ethereum", "convert_limit": 0},
            {"convert_limit": ["Ensure this value is greater than or equal to 0.00000001."]},
        ),
    ],
)
async def test_wallet_rules(raw: Raw, payload: dict[str, Any], errors: Any) -> None:
    assert await bad(raw, WALLET_CREATE, payload) == errors


async def test_wallet_convert_percent_defaults_to_5_with_a_convert_ticker(raw: Raw) -> None:
    converting = await raw.post(
        WALLET_CREATE, {"ticker": "ETH", "network": "ethereum", "convert_ticker": "USDT"}
    )
    assert converting.json()["convert_percent"] == "5.00000000"
    plain = await raw.post(WALLET_CREATE, {"ticker": "ETH", "network": "ethereum"})
    assert plain.json()["convert_percent"] is None


# -- invoices --------------------------------------------------------------------


def invoice(**changes: Any) -> dict[str, Any]:
    body = {"ticker": "UAH", "network": "wiretransfer", "amount": 300, "client_ip": "203.0.113.7"}
    return {key: value for key, value in {**body, **changes}.items() if value is not ...}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {},
            {"ticker": REQUIRED, "network": REQUIRED, "amount": REQUIRED, "client_ip": REQUIRED},
        ),
        (invoice(client_ip="300.1.1.1"), {"client_ip": ["Enter a valid IPv4 or IPv6 address."]}),
        (invoice(client_ip=...), {"client_ip": REQUIRED}),
        (invoice(payment_url="ftp://x"), {"payment_url": ["Enter a valid URL."]}),
        (invoice(amount="12e"), {"amount": ["A valid number is required."]}),
        (
            invoice(amount="25.19"),
            {"amount": ["Ensure this value is greater than or equal to 25.20000000."]},
        ),
        (
            invoice(amount=100001),
            {"amount": ["Ensure this value is less than or equal to 100000.00000000."]},
        ),
        (
            invoice(ticker="BTC", network="bitcoin"),
            {
                "non_field_errors": [
                    "BTC/bitcoin is a crypto payment method: invoices are for fiat; "
                    "create a wallet instead."
                ]
            },
        ),
        (invoice(convert_ticker="DOGE"), {"convert_ticker": ["Pair DOGE/UAH does not exist."]}),
    ],
)
async def test_invoice_rules(raw: Raw, payload: dict[str, Any], errors: Any) -> None:
    assert await bad(raw, INVOICE_CREATE, payload) == errors


# -- withdrawals ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"ticker": REQUIRED, "network": REQUIRED, "amount": REQUIRED}),
        (withdrawal(address=...), {"address": REQUIRED}),
        (withdrawal(address=""), {"address": REQUIRED}),
        (
            withdrawal(ticker="UAH", network="wiretransfer", address=..., amount=100),
            {"card": REQUIRED},
        ),
        (
            withdrawal(ticker="UAH", network="wiretransfer", address=..., card="12", amount=100),
            {"card": ["Enter a valid card number (12 to 19 digits)."]},
        ),
        (
            withdrawal(amount="22.000000001"),
            {"amount": ["Ensure that there are no more than 8 decimal places."]},
        ),
        (
            withdrawal(amount="1" * 21),
            {"amount": ["Ensure that there are no more than 20 digits before the decimal point."]},
        ),
        (
            withdrawal(amount="1" * 29),
            {"amount": ["Ensure that there are no more than 28 digits in total."]},
        ),
        (withdrawal(amount=True), {"amount": ["A valid number is required."]}),
        (withdrawal(amount="Infinity"), {"amount": ["A valid number is required."]}),
        (
            withdrawal(amount=0),
            {"amount": ["Ensure this value is greater than or equal to 10.00000000."]},
        ),
        (
            withdrawal(amount=-50),
            {"amount": ["Ensure this value is greater than or equal to 10.00000000."]},
        ),
        (
            withdrawal(amount=100001),
            {"amount": ["Ensure this value is less than or equal to 100000.00000000."]},
        ),
        (withdrawal(fee_payer=3), {"fee_payer": ['"3" is not a valid choice.']}),
        (withdrawal(fee_payer=True), {"fee_payer": ['"True" is not a valid choice.']}),
        (
            withdrawal(
                network="ethereum",
                address="0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1",
                fee_payer=2,
            ),
            {
                "fee_payer": [
                    "The fee of USDT/ethereum is charged in ETH: only 1 (from the balance) "
                    "is possible."
                ]
            },
        ),
        (
            withdrawal(auto_buy_ticker="DOGE"),
            {"auto_buy_ticker": ["Pair DOGE/USDT does not exist."]},
        ),
        (withdrawal(callback_url="http://"), {"callback_url": ["Enter a valid URL."]}),
        (
            withdrawal(client_order_id="x" * 65),
            {"client_order_id": ["Ensure this field has no more than 64 characters."]},
        ),
        (withdrawal(comment="a\x00b"), {"comment": ["Null characters are not allowed."]}),
    ],
)
async def test_withdrawal_rules(
    raw: Raw, sandbox: GatewaySandbox, payload: dict[str, Any], errors: Any
) -> None:
    funded(sandbox, USDT="1000", ETH="1", UAH="1000")
    assert await bad(raw, WITHDRAW_CREATE, payload) == errors


async def test_an_address_for_another_network_is_refused(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, USDT="1000")
    body = await bad(
        raw, WITHDRAW_CREATE, withdrawal(address="0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1")
    )
    assert body == {"address": ["Enter a valid tron address."]}


async def test_the_fee_must_fit_in_the_amount_when_taken_from_it(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, BTC="1")
    body = await bad(
        raw,
        WITHDRAW_CREATE,
        {
            "ticker": "BTC",
            "network": "bitcoin",
            "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "amount": "0.0004",
            "fee_payer": 2,
        },
    )
    assert body == {"amount": ["Ensure this value is greater than or equal to 0.00060000."]}


async def test_insufficient_funds_name_what_is_missing(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, USDT="22.5")
    body = await bad(raw, WITHDRAW_CREATE, withdrawal(amount=22))
    assert body == {
        "non_field_errors": [
            "Insufficient funds: 23.00000000 USDT needed, 22.50000000 USDT available."
        ]
    }
    # From the amount, the fee fits.
    response = await raw.post(WITHDRAW_CREATE, withdrawal(amount=22, fee_payer="2"))
    assert response.status_code == 201
    assert sandbox.balance("USDT") == Decimal("0.5")


async def test_a_fee_in_another_currency_needs_that_balance(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="100")
    address = "0x35f03647b25bd3e3221608dc05f079c0ce3ba3b1"
    body = await bad(raw, WITHDRAW_CREATE, withdrawal(network="ethereum", address=address))
    assert body == {
        "non_field_errors": ["Insufficient funds: 0.00300000 ETH needed, 0.00000000 ETH available."]
    }
    funded(sandbox, ETH="0.01")
    ok = await raw.post(WITHDRAW_CREATE, withdrawal(network="ethereum", address=address))
    assert ok.status_code == 201
    assert (sandbox.balance("USDT"), sandbox.balance("ETH")) == (Decimal(78), Decimal("0.007"))


async def test_a_duplicate_client_order_id_is_refused_and_nothing_is_taken(
    raw: Raw, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="1000")
    first = await raw.post(WITHDRAW_CREATE, withdrawal(client_order_id="order_123"))
    assert first.status_code == 201
    assert sandbox.balance("USDT") == Decimal(977)
    again = await bad(raw, WITHDRAW_CREATE, withdrawal(client_order_id="order_123", amount=50))
    assert again == {"client_order_id": ["Withdrawal with this client_order_id already exists."]}
    assert sandbox.balance("USDT") == Decimal(977)
    history = (await raw.get("/api/gateway/withdraw/history")).json()
    assert history["count"] == 1


async def test_blank_optional_fields_are_written_as_null(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, USDT="100")
    # The reference's own example sends these blank and shows them null.
    response = await raw.post(
        WITHDRAW_CREATE,
        withdrawal(payment_id="", memo="", destination_tag="", comment="Call after success"),
    )
    data = response.json()
    assert (data["payment_id"], data["memo"], data["destination_tag"]) == (None, None, None)
    assert data["comment"] == "Call after success"


@pytest.mark.parametrize("amount", [b"22", b'"22"', b"22.0", b'"22.00000000"', b"2.2E+1"])
async def test_amounts_may_be_numbers_or_text(
    raw: Raw, sandbox: GatewaySandbox, amount: bytes
) -> None:
    funded(sandbox, USDT="100")
    body = b'{"ticker": "USDT", "network": "tron", "address": "%s", "amount": %s}' % (
        TRON.encode(),
        amount,
    )
    response = await raw.post_bytes(WITHDRAW_CREATE, body)
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == "22.00000000"
    assert sandbox.balance("USDT") == Decimal(77)


async def test_a_json_number_keeps_every_digit(raw: Raw, sandbox: GatewaySandbox) -> None:
    funded(sandbox, BTC="1")
    body = (
        b'{"ticker": "BTC", "network": "bitcoin", "amount": 0.12345678,'
        b' "address": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}'
    )
    response = await raw.post_bytes(WITHDRAW_CREATE, body)
    assert response.json()["amount"] == "0.12345678"
    assert sandbox.balance("BTC") == Decimal("1") - Decimal("0.12345678") - Decimal("0.0004")
