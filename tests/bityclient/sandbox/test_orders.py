"""Orders: the created and listed shapes, the order summary's rules, amounts, validation."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bityclient import Order
from bityclient._decode import make_bity_converter
from bityclient.sandbox import BitySandbox
from tests.bityclient.conftest import bity_fixture

from .conftest import ORDERS, assert_error, bearer, create_order, login

STRICT = make_bity_converter(strict=True)
ZONELESS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}")
ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BTC_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


@pytest.fixture
async def token(http: httpx.AsyncClient, sandbox: BitySandbox) -> dict[str, Any]:
    return await login(http, sandbox)


@pytest.fixture
def priced(sandbox: BitySandbox) -> BitySandbox:
    """Round rates, spread 1%: Bity sells at rate * 1.01 and buys at rate * 0.99."""
    sandbox.set_rate("BTCEUR", rate=Decimal("10000"))  # sells 10100, buys 9900
    sandbox.set_rate("ETHBTC", rate=Decimal("0.05"))  # sells 0.0505, buys 0.0495
    sandbox.set_rate("ETHCHF", rate=Decimal("400"))  # buys 396
    sandbox.set_rate("REPETH", rate=Decimal("0.1"))  # sells 0.101
    sandbox.set_rate("REPEUR", rate=Decimal("25"))  # sells 25.25
    return sandbox


async def test_a_created_order_has_the_documented_shape(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    response = await create_order(http, token)
    assert response.status_code == 201
    order = response.json()
    sample = bity_fixture("order_created.json")
    assert list(order) == list(sample)
    assert list(order["inputtransactions"][0]) == list(sample["inputtransactions"][0])
    assert list(order["outputtransactions"][0]) == list(sample["outputtransactions"][0])
    order_id = order["resource_uri"].split("/")[-2]
    assert order["resource_uri"] == f"/api/v1/order/{order_id}/"
    assert response.headers["location"] == order["resource_uri"]
    assert order["status"] == "OPEN"
    assert re.fullmatch(r"BITY[A-Z0-9]{6}", order["reference"])
    assert re.fullmatch(r"[0-9a-f]{32}", order["unique_id"])
    assert order["timestamp_created"] == "2024-03-01T12:00:00.000000"
    assert order["person"] == "/api/v1/person/151515/"
    assert (order["category"], order["currency"], order["payment_method"]) == (
        "BUY_ETH",
        "",
        "BTCGATEWAY",
    )
    assert order["crypto_address"] == ETH_ADDRESS
    assert (order["amount"], order["payment_amount"]) == ("0.50000000", "0.50000000")
    assert order["payment_url"].startswith("bc1q")  # where to send the bitcoin
    (paid,) = order["inputtransactions"]
    assert paid["amount"] == "0.50000000"
    assert paid["currency"] == "BTC"
    assert paid["order"] == order["resource_uri"]
    assert paid["payment_method"] == "/api/v1/payment_method/BTCGATEWAY/"
    assert paid["payment_processor_fee"] == "0E-8"  # as the reference writes a zero
    assert paid["reference"] == order["reference"]
    assert paid["status"] == "OPEN"
    (payout,) = order["outputtransactions"]
    assert (payout["currency"], payout["payout_method"]) == ("ETH", "/api/v1/payout_method/ETH/")
    assert (payout["reference"], payout["status"]) == ("", "OPEN")
    assert re.fullmatch(r"/api/v1/output_transaction/\d+/", payout["resource_uri"])
    STRICT.structure(order, Order)


async def test_a_listed_order_has_the_list_shape(
    http: httpx.AsyncClient, token: dict[str, Any]
) -> None:
    created = (await create_order(http, token)).json()
    page = (await http.get(ORDERS, headers=bearer(token))).json()
    (listed,) = page["objects"]
    # The reference's list shows fewer fields than the created order.
    assert list(listed) == list(bity_fixture("orders_list.json")["objects"][0])
    assert listed["resource_uri"] == created["resource_uri"]
    assert listed["inputtransactions"] == created["inputtransactions"]
    assert ZONELESS.fullmatch(listed["timestamp_created"])
    STRICT.structure(listed, Order)


async def test_the_order_detail(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    created = (await create_order(http, token)).json()
    detail = await http.get(created["resource_uri"], headers=bearer(token))
    assert detail.json() == created
    assert_error(await http.get(created["resource_uri"]), 401, "invalid_request")
    assert_error(await http.get("/api/v1/order/1/", headers=bearer(token)), 404, "not_found")


# The order summary table: pair, category, currency -> input, output, default payment method.
SUMMARY = [
    ("BTCCHF", "SELL", "CHF", "BTCGATEWAY"),
    ("BTCEUR", "SELL", "EUR", "BTCGATEWAY"),
    ("BTCETH", "BUY_ETH", "", "BTCGATEWAY"),
    ("BTCREP", "BUY_REP", "", "BTCGATEWAY"),
    ("CHFBTC", "BUY", "CHF", "BANKXFER"),
    ("CHFETH", "BUY_ETH", "CHF", "BANKXFER"),
    ("CHFREP", "BUY_REP", "CHF", "BANKXFER"),
    ("ETHBTC", "SELL_ETH", "", "ETHGATEWAY"),
    ("ETHCHF", "SELL_ETH", "CHF", "ETHGATEWAY"),
    ("ETHEUR", "SELL_ETH", "EUR", "ETHGATEWAY"),
    ("ETHREP", "SELL_ETH", "REP", "ETHGATEWAY"),
    ("EURBTC", "BUY", "EUR", "BANKXFER"),
    ("EURETH", "BUY_ETH", "EUR", "BANKXFER"),
    ("EURREP", "BUY_REP", "EUR", "BANKXFER"),
]


@pytest.mark.parametrize(("pair", "category", "currency", "method"), SUMMARY)
async def test_every_row_of_the_order_summary(
    http: httpx.AsyncClient,
    token: dict[str, Any],
    pair: str,
    category: str,
    currency: str,
    method: str,
) -> None:
    body: dict[str, Any] = {"category": category, "currency": currency, "amount": "1"}
    if pair[3:] not in ("CHF", "EUR"):
        body["crypto_address"] = ETH_ADDRESS
    response = await http.post(ORDERS, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    order = response.json()
    paid, payout = order["inputtransactions"][0], order["outputtransactions"][0]
    assert paid["currency"] + payout["currency"] == pair
    assert order["payment_method"] == method
    assert order["currency"] == currency


@pytest.mark.parametrize("currency", [..., "", "BTC"])
async def test_bitcoin_may_be_omitted_empty_or_named(
    http: httpx.AsyncClient, token: dict[str, Any], currency: Any
) -> None:
    # "The currency BTC can be omitted"; the table writes "empty string".
    order = (await create_order(http, token, currency=currency)).json()
    assert order["inputtransactions"][0]["currency"] == "BTC"
    assert order["currency"] == ("" if currency is ... else currency)


@pytest.mark.parametrize(
    ("body", "paid", "received"),
    [
        # BUY 1200 EUR: Bity sells BTC at 10100 EUR; the output is rounded down.
        ({"category": "BUY", "currency": "EUR", "amount": "1200"}, "1200", "0.11881188"),
        # SELL, default mode: the amount is the EUR paid out; the BTC due is rounded up.
        ({"category": "SELL", "currency": "EUR", "amount": "500"}, "0.05050506", "500"),
        # SELL, input mode: 0.5 BTC bought at 9900.
        (
            {"category": "SELL", "currency": "EUR", "amount": "0.5", "amount_mode": 1},
            "0.5",
            "4950",
        ),
        # BUY_ETH with BTC: 0.5 BTC / 0.0505.
        ({"category": "BUY_ETH", "amount": "0.5"}, "0.5", "9.90099009"),
        # BUY_ETH, output mode: 10 ETH cost 0.505 BTC.
        ({"category": "BUY_ETH", "amount": "10", "amount_mode": 2}, "0.505", "10"),
        # SELL_ETH to BTC, default mode: the input (the table's "input*" for ETHBTC).
        ({"category": "SELL_ETH", "amount": "2"}, "2", "0.099"),
        # SELL_ETH to CHF, default mode: the CHF paid out; ETH bought at 396.
        ({"category": "SELL_ETH", "currency": "CHF", "amount": "1000"}, "2.52525253", "1000"),
        # SELL_ETH to REP: Bity sells REP at 0.101 ETH.
        ({"category": "SELL_ETH", "currency": "REP", "amount": "1"}, "1", "9.90099009"),
        # BUY_REP with EUR by Sofort: REP sold at 25.25 EUR.
        (
            {
                "category": "BUY_REP",
                "currency": "EUR",
                "amount": "100",
                "payment_method": "SOFORTPSP",
            },
            "100",
            "3.96039603",
        ),
    ],
)
async def test_order_amounts(
    http: httpx.AsyncClient,
    priced: BitySandbox,
    token: dict[str, Any],
    body: dict[str, Any],
    paid: str,
    received: str,
) -> None:
    body = {"crypto_address": ETH_ADDRESS, **body}
    response = await http.post(ORDERS, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    order = response.json()
    assert Decimal(order["inputtransactions"][0]["amount"]) == Decimal(paid)
    assert Decimal(order["outputtransactions"][0]["amount"]) == Decimal(received)
    assert order["payment_amount"] == order["inputtransactions"][0]["amount"]
    assert order["amount"] == str(Decimal(body["amount"]).quantize(Decimal("1E-8")))


async def test_the_references_own_example_is_accepted(
    http: httpx.AsyncClient, token: dict[str, Any]
) -> None:
    # The reference's request: STRAIGHT (deprecated, yet its own example), currency "",
    # amount_mode 3 (a placeholder: BUY_ETH paid in BTC). PERSONID becomes the user's.
    body = {
        "payment_method": "STRAIGHT",
        "currency": "",
        "amount": "0.5",
        "amount_mode": 3,
        "crypto_address": ETH_ADDRESS,
        "category": "BUY_ETH",
        "person": "/api/v1/person/151515/",
    }
    response = await http.post(ORDERS, json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["payment_method"] == "STRAIGHT"
    assert order["inputtransactions"][0]["payment_method"] == "/api/v1/payment_method/STRAIGHT/"


async def test_bank_transfers_carry_a_bank_reference(
    http: httpx.AsyncClient, token: dict[str, Any]
) -> None:
    order = (await create_order(http, token, category="BUY", currency="EUR", amount="1200")).json()
    assert re.fullmatch(
        r"bity\.com [A-Z0-9]{4}-[A-Z0-9]{4}", order["inputtransactions"][0]["reference"]
    )
    assert order["payment_url"] == ""
    sofort = (
        await create_order(
            http, token, category="BUY", currency="CHF", amount="10", payment_method="SOFORTPSP"
        )
    ).json()
    assert sofort["payment_url"].startswith("https://")
    eth = (await create_order(http, token, category="SELL_ETH", amount="1")).json()
    assert re.fullmatch(r"0x[0-9a-f]{40}", eth["payment_url"])


async def test_fiat_payouts_need_no_address(http: httpx.AsyncClient, token: dict[str, Any]) -> None:
    response = await create_order(
        http, token, category="SELL", currency="CHF", amount="100", crypto_address=...
    )
    assert response.status_code == 201
    assert response.json()["crypto_address"] == ""
    assert (
        response.json()["outputtransactions"][0]["payout_method"]
        == "/api/v1/payout_method/BANKXFER/"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": ...}, "category"),
        ({"category": ""}, "category"),
        ({"category": "buy_eth"}, "category"),
        ({"category": "SELL_REP"}, "category"),
        ({"amount": ...}, "amount"),
        ({"amount": ""}, "amount"),
        ({"amount": 0.5}, "amount"),
        ({"amount": 1}, "amount"),
        ({"amount": "0.123456789"}, "amount"),
        ({"amount": "0.500000000"}, "amount"),  # nine places written, even if zeros
        ({"amount": "0"}, "amount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": "1" * 15}, "amount"),
        # too small: 1E-8 ETH gives less than 1E-8 BTC
        ({"category": "SELL_ETH", "amount": "0.00000001"}, "amount"),
        ({"amount_mode": 4}, "amount_mode"),
        ({"amount_mode": -1}, "amount_mode"),
        ({"amount_mode": True}, "amount_mode"),
        ({"amount_mode": "1"}, "amount_mode"),
        ({"amount_mode": 3, "category": "SELL_ETH"}, "amount_mode"),
        ({"amount_mode": 3, "currency": "EUR"}, "amount_mode"),
        ({"amount_mode": 2, "currency": "CHF"}, "amount_mode"),
        ({"payment_method": "SKRILLPSP"}, "payment_method"),
        ({"payment_method": "PAYPAL"}, "payment_method"),
        ({"payment_method": "ETHGATEWAY"}, "payment_method"),
        ({"payment_method": "BANKXFER"}, "payment_method"),
        ({"payment_method": "BTCGATEWAY", "currency": "EUR"}, "payment_method"),
        ({"payment_method": 1}, "payment_method"),
        ({"currency": "USD"}, "currency"),
        ({"currency": "ETH"}, "currency"),
        ({"currency": "REP"}, "currency"),
        ({"currency": 5}, "currency"),
        ({"category": "BUY", "currency": ""}, "currency"),
        ({"category": "BUY", "currency": "BTC"}, "currency"),
        ({"category": "SELL", "currency": ...}, "currency"),
        ({"category": "SELL_ETH", "currency": "ETH"}, "currency"),
        ({"crypto_address": ...}, "crypto_address"),
        ({"crypto_address": ""}, "crypto_address"),
        ({"crypto_address": "0x 12"}, "crypto_address"),
        ({"crypto_address": 12}, "crypto_address"),
        ({"person": "/api/v1/person/1/"}, "person"),
    ],
)
async def test_invalid_orders_are_400_naming_the_field(
    http: httpx.AsyncClient,
    sandbox: BitySandbox,
    token: dict[str, Any],
    changes: dict[str, Any],
    field: str,
) -> None:
    response = await create_order(http, token, **changes)
    body = assert_error(response, 400, f"invalid_{field}")
    assert body["error_description"].startswith(f"{field}: ")
    # Nothing was recorded.
    assert (await http.get(ORDERS, headers=bearer(token))).json()["meta"]["total_count"] == 0


@pytest.mark.parametrize(
    "content", [b"", b"not json", b"[1, 2]", b'"text"', b"{", b'{"amount": 1e999999}']
)
async def test_a_body_that_is_not_an_object(
    http: httpx.AsyncClient, token: dict[str, Any], content: bytes
) -> None:
    response = await http.post(
        ORDERS,
        content=content,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] in ("invalid_request", "invalid_category")


async def test_the_token_is_checked_before_the_body(http: httpx.AsyncClient) -> None:
    response = await http.post(ORDERS, content=b"not json", headers=bearer("x" * 30))
    assert_error(response, 401, "invalid_token")


async def test_each_user_sees_only_their_own_orders(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    sandbox.add_user("alice@example.com", "alice-pw")
    alice = (
        await http.post(
            "/o/token/",
            data={
                "grant_type": "password",
                "username": "alice@example.com",
                "password": "alice-pw",
                "client_id": sandbox.client_id,
            },
        )
    ).json()
    mine = (await create_order(http, token)).json()
    hers = (await create_order(http, alice)).json()
    assert hers["person"] != mine["person"]
    my_list = (await http.get(ORDERS, headers=bearer(token))).json()
    her_list = (await http.get(ORDERS, headers=bearer(alice))).json()
    assert [o["resource_uri"] for o in my_list["objects"]] == [mine["resource_uri"]]
    assert [o["resource_uri"] for o in her_list["objects"]] == [hers["resource_uri"]]
    other = await http.get(hers["resource_uri"], headers=bearer(token))
    assert_error(other, 404, "not_found")
    # Her person is not one of this account's.
    refused = await create_order(http, token, person=hers["person"])
    assert_error(refused, 400, "invalid_person")


async def test_a_hundred_concurrent_orders_are_a_hundred_orders(
    http: httpx.AsyncClient, token: dict[str, Any]
) -> None:
    responses = await asyncio.gather(*(create_order(http, token) for _ in range(100)))
    assert all(response.status_code == 201 for response in responses)
    orders = [response.json() for response in responses]
    for key in ("resource_uri", "reference", "unique_id"):
        assert len({order[key] for order in orders}) == 100
    listed = (await http.get(f"{ORDERS}?limit=0", headers=bearer(token))).json()
    assert listed["meta"]["total_count"] == 100
    assert {o["resource_uri"] for o in listed["objects"]} == {o["resource_uri"] for o in orders}


# --- advancing orders ---------------------------------------------------------------------------


def order_id(order: dict[str, Any]) -> int:
    return int(order["resource_uri"].split("/")[-2])


async def test_advance_to_executed(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    created = (await create_order(http, token)).json()
    paid = sandbox.advance_order(order_id(created), to="CONF")
    assert paid["status"] == "OPEN"
    assert paid["inputtransactions"][0]["status"] == "CONF"
    done = sandbox.advance_order(order_id(created))
    assert done["status"] == "EXEC"
    assert done["inputtransactions"][0]["status"] == "CONF"
    assert done["outputtransactions"][0]["status"] == "FILL"
    assert re.fullmatch(r"[0-9a-f]{64}", done["outputtransactions"][0]["reference"])
    listed = (await http.get(ORDERS, headers=bearer(token))).json()["objects"][0]
    assert listed["status"] == "EXEC"
    STRICT.structure(listed, Order)


async def test_advance_to_cancelled(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    created = (await create_order(http, token)).json()
    cancelled = sandbox.advance_order(order_id(created), to="CANC")
    assert cancelled["status"] == "CANC"
    assert cancelled["inputtransactions"][0]["status"] == "CANC"
    with pytest.raises(ValueError, match="CANC"):
        sandbox.advance_order(order_id(created))


async def test_advance_refuses_what_it_cannot_do(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    created = (await create_order(http, token)).json()
    with pytest.raises(KeyError):
        sandbox.advance_order(1)
    with pytest.raises(ValueError, match="to must be"):
        sandbox.advance_order(order_id(created), to="FILL")
    sandbox.advance_order(order_id(created), to="CONF")
    with pytest.raises(ValueError, match="already"):
        sandbox.advance_order(order_id(created), to="CONF")


async def test_seed_demo_data(
    http: httpx.AsyncClient, sandbox: BitySandbox, token: dict[str, Any]
) -> None:
    sandbox.seed_demo_data()
    page = (await http.get(f"{ORDERS}?limit=0", headers=bearer(token))).json()
    assert page["meta"]["total_count"] == 4
    states = {
        (o["category"], o["status"], o["inputtransactions"][0]["status"]) for o in page["objects"]
    }
    assert states == {
        ("BUY", "EXEC", "CONF"),
        ("SELL_ETH", "OPEN", "CONF"),
        ("BUY_ETH", "OPEN", "OPEN"),
        ("SELL", "CANC", "CANC"),
    }
    for listed in page["objects"]:
        STRICT.structure(listed, Order)
    # Made over the last three days, oldest first.
    stamps = [o["timestamp_created"] for o in page["objects"]]
    assert stamps == sorted(stamps)
    assert stamps[0] == "2024-02-27T12:00:00.000000"
    assert len(set(stamps)) == 4


async def test_tiny_amounts_are_written_as_django_writes_decimals(
    http: httpx.AsyncClient, token: dict[str, Any]
) -> None:
    # Tastypie writes str(Decimal): "0E-8" in the reference, so 1E-8 for one satoshi.
    order = (await create_order(http, token, amount="0.00000001")).json()
    assert order["amount"] == "1E-8"
    assert STRICT.structure(order, Order).amount == Decimal("0.00000001")
