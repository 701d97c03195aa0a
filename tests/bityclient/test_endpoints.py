"""Every documented endpoint: what is sent (method, path, query, headers, body bytes)
and how the documented answer decodes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from bityclient import (
    AmountMode,
    BityClient,
    BityPage,
    Currency,
    InternalServerError,
    NotFoundError,
    Order,
    OrderCategory,
    PairRate,
    PaymentMethod,
    Rate,
)

from .conftest import DOC_ACCESS, bity_fixture

JSON = "application/json; charset=utf-8"


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


# --- users ------------------------------------------------------------------------------------


async def test_verify_phone(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.post("/api/v1/user_signup/verifyphone/").respond(
        200, json=bity_fixture("verifyphone.json")
    )
    activated = await bity.users.verify_phone(phone="+41786399501", code="381499")
    assert activated is True
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url == "https://bity.com/api/v1/user_signup/verifyphone/"
    # The reference's --data, byte for byte; no token even though the client has one.
    assert request.content == b'{"phone": "+41786399501", "code": "381499"}'
    assert request.headers["Content-Type"] == JSON
    assert "Authorization" not in request.headers


async def test_verify_phone_not_activated(router: respx.MockRouter, bity: BityClient) -> None:
    router.post("/api/v1/user_signup/verifyphone/").respond(200, json={"activated": False})
    assert await bity.users.verify_phone(phone="+41786399501", code="000000") is False


# --- rates ------------------------------------------------------------------------------------


async def test_rates_list(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    rates = [rate async for rate in bity.rates.list()]
    assert [rate.pair for rate in rates] == ["ETHEUR", "ETHCHF"]
    assert all(isinstance(rate, Rate) for rate in rates)
    assert rates[1].rate_we_sell == Decimal("530.79630000")
    assert rates[1].target is Currency.CHF
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url == "https://bity.com/api/v1/rate2/"  # no query unless asked
    assert request.content == b""
    assert "Authorization" not in request.headers  # rates need no token


async def test_rates_list_first_page_exposes_meta(
    router: respx.MockRouter, bity: BityClient
) -> None:
    router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    page = await bity.rates.list()
    assert isinstance(page, BityPage)
    assert page.meta.extra == {"disabled": "USDUSD"}
    assert page.total_count == 32
    assert not page.has_next


@pytest.mark.parametrize(
    ("method", "path", "fixture"),
    [
        ("we_sell", "/api/v1/rate_we_sell/ETHBTC/", "rate_we_sell_ETHBTC.json"),
        ("we_buy", "/api/v1/rate_we_buy/ETHBTC/", "rate_we_buy_ETHBTC.json"),
    ],
)
async def test_single_pair_rates(
    router: respx.MockRouter, anonymous: BityClient, method: str, path: str, fixture: str
) -> None:
    route = router.get(path).respond(200, json=bity_fixture(fixture))
    rate = await getattr(anonymous.rates, method)("ETHBTC")
    assert isinstance(rate, PairRate)
    assert rate.rate == Decimal(bity_fixture(fixture)["rate"])
    assert (rate.source, rate.target, rate.pair) == (Currency.ETH, Currency.BTC, "ETHBTC")
    request = route.calls.last.request
    assert (request.method, request.url.path, request.url.query) == ("GET", path, b"")
    assert "Authorization" not in request.headers


# Note on the reference: "Price we sell" introduces its example as "get the BTC/ETH rate"
# while the pair it asks for, and answers with, is ETHBTC (source ETH, target BTC).
async def test_we_sell_as_in_the_design(router: respx.MockRouter, bity: BityClient) -> None:
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    sell = await bity.rates.we_sell("ETHBTC")
    assert sell.rate == Decimal("0.06714700")


async def test_pair_outside_the_documented_currencies_is_sent(
    router: respx.MockRouter, bity: BityClient
) -> None:
    # Decision: pairs are checked for shape only; the reference's own rate list names
    # USDUSD, outside its currency table. The server decides (here: 404).
    route = router.get("/api/v1/rate_we_buy/USDCHF/").respond(404, json={"error": "not_found"})
    with pytest.raises(NotFoundError) as info:
        await bity.rates.we_buy("USDCHF")
    assert info.value.error == "not_found"
    assert route.call_count == 1


# --- orders -----------------------------------------------------------------------------------


async def test_create_order_as_in_the_design(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    order = await bity.orders.create(
        category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address="0x..."
    )
    assert isinstance(order, Order)
    assert order.unique_id == "69a2f7b4ede8499faf619dde0a5974e6"
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url == "https://bity.com/api/v1/order/"
    assert request.headers["Authorization"] == "Bearer access-1"
    assert request.headers["Content-Type"] == JSON
    # Only what was given is sent; the amount is a string.
    assert request.content == b'{"amount": "0.5", "crypto_address": "0x...", "category": "BUY_ETH"}'


async def test_create_order_as_in_the_reference(router: respx.MockRouter, bity: BityClient) -> None:
    # The reference's example, with its placeholders made real: "AMOUNT_BTC" is not a
    # number, and "ETHER ADDRESS" holds a space no address has.
    # Inconsistency in the reference: the example is titled "from BTC to CHF (amount in
    # CHF)" but builds a BUY_ETH order paid with STRAIGHT (deprecated; not in the order
    # summary table), with amount_mode 3 and the amount in BTC. Its --data also has
    # "category":"BUY_ETH" without the space every other key has; the SDK sends the
    # uniform form.
    route = router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    address = "0x52908400098527886E0F7030069857D2E4169EE7"
    await bity.orders.create(
        payment_method=PaymentMethod.STRAIGHT,
        currency="",
        amount=Decimal("0.50000000"),
        amount_mode=AmountMode.INPUT_PLACEHOLDER,
        crypto_address=address,
        category=OrderCategory.BUY_ETH,
        person="/api/v1/person/PERSONID/",
    )
    assert route.calls.last.request.content == (
        b'{"payment_method": "STRAIGHT", "currency": "", "amount": "0.50000000", '
        b'"amount_mode": 3, "crypto_address": "' + address.encode() + b'", '
        b'"category": "BUY_ETH", "person": "/api/v1/person/PERSONID/"}'
    )


async def test_create_order_takes_plain_codes(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    await bity.orders.create(
        category="SELL", amount=12, currency="CHF", payment_method="BTCGATEWAY", amount_mode=1
    )
    assert sent_json(route.calls.last.request) == {
        "payment_method": "BTCGATEWAY",
        "currency": "CHF",
        "amount": "12",
        "amount_mode": 1,
        "category": "SELL",
    }


@pytest.mark.parametrize(
    ("amount", "sent"),
    [
        (Decimal("0.5"), "0.5"),
        (Decimal("0.50000000"), "0.50000000"),
        (Decimal("0.500000000"), "0.5"),  # zeros past the 8th place dropped
        (Decimal("5E-8"), "0.00000005"),  # no exponent
        (Decimal("1E+2"), "100"),
        (Decimal("12345678901234.12345678"), "12345678901234.12345678"),
        # More digits than the decimal context's 28: stripped exactly, never rounded.
        (Decimal("12345678901234567890123.456789010000"), "12345678901234567890123.45678901"),
        (Decimal("12345678901234567890123.45678901"), "12345678901234567890123.45678901"),
        (7, "7"),
        ("1200.00", "1200.00"),
    ],
)
async def test_order_amount_is_sent_as_exact_text(
    router: respx.MockRouter, bity: BityClient, amount: Any, sent: str
) -> None:
    route = router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    await bity.orders.create(category=OrderCategory.BUY, amount=amount)
    assert sent_json(route.calls.last.request)["amount"] == sent


async def test_create_order_is_not_retried_on_a_server_error(
    router: respx.MockRouter, bity: BityClient
) -> None:
    route = router.post("/api/v1/order/").respond(500, json={"error": "server_error"})
    with pytest.raises(InternalServerError) as info:
        await bity.orders.create(category=OrderCategory.BUY, amount=Decimal("100"))
    assert route.call_count == 1
    assert info.value.outcome_unknown
    assert "orders.list" in str(info.value)


async def test_orders_list(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.get("/api/v1/order/").respond(200, json=bity_fixture("orders_list.json"))
    orders = [o async for o in bity.orders.list(order_by="-timestamp_created")]
    assert [o.resource_uri for o in orders] == ["/api/v1/order/179150/", "/api/v1/order/3212123/"]
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.raw_path == b"/api/v1/order/?order_by=-timestamp_created"
    assert request.headers["Authorization"] == "Bearer access-1"


async def test_per_call_timeout(router: respx.MockRouter, bity: BityClient) -> None:
    rates = router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    orders = router.get("/api/v1/order/").respond(200, json=bity_fixture("orders_list.json"))
    await bity.rates.we_sell("ETHBTC", timeout=2.5)
    await bity.orders.list(timeout=httpx.Timeout(4.0, connect=1.0)).to_list()
    await bity.rates.we_sell("ETHBTC")
    assert rates.calls[0].request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert orders.calls[0].request.extensions["timeout"] == {
        "connect": 1.0,
        "read": 4.0,
        "write": 4.0,
        "pool": 4.0,
    }
    assert rates.calls[1].request.extensions["timeout"]["connect"] == 10.0  # the default


async def test_every_other_method_takes_a_timeout(
    router: respx.MockRouter, bity: BityClient
) -> None:
    calls = [
        router.post("/api/v1/user_signup/verifyphone/").respond(200, json={"activated": True}),
        router.get("/api/v1/rate_we_buy/ETHBTC/").respond(
            200, json=bity_fixture("rate_we_buy_ETHBTC.json")
        ),
        router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json")),
        router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json")),
        router.post("/o/token/").respond(200, json=bity_fixture("token.json")),
    ]
    await bity.users.verify_phone(phone="+41786399501", code="1", timeout=1.5)
    await bity.rates.we_buy("ETHBTC", timeout=1.5)
    await bity.rates.list(timeout=1.5)
    await bity.orders.create(category="BUY", amount=1, timeout=1.5)
    await bity.login(username="+41786399501", password="abc123", timeout=1.5)
    await bity.refresh(timeout=1.5)
    for route in calls:
        for call in route.calls:
            assert call.request.extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    assert calls[-1].call_count == 2


async def test_the_design_example_runs(router: respx.MockRouter, clock: object) -> None:
    # DESIGN.md's user code, as written, against the reference's samples.
    router.post("/o/token/").respond(200, json=bity_fixture("token.json"))
    router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    created = router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    listed = router.get("/api/v1/order/").respond(200, json=bity_fixture("orders_list.json"))

    async with BityClient(
        client_id="CLIENT_ID", transport=httpx.MockTransport(router.async_handler)
    ) as bity:
        await bity.login(username="+41...", password="...")  # token kept, refreshed by itself
        pairs = [rate.pair async for rate in bity.rates.list()]
        sell = await bity.rates.we_sell("ETHBTC")
        order = await bity.orders.create(
            category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address="0x..."
        )
        statuses = [o.status async for o in bity.orders.list(order_by="-timestamp_created")]

    assert pairs == ["ETHEUR", "ETHCHF"]
    assert sell.rate == Decimal("0.067147")
    assert order.category is OrderCategory.BUY_ETH
    assert statuses == ["EXEC", "EXEC"]
    for route in (created, listed):
        assert route.calls.last.request.headers["Authorization"] == f"Bearer {DOC_ACCESS}"
