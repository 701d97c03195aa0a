"""Bad input is refused with a clear error naming the field, and nothing is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest
import respx

from bitexgate import BitexGateClient, GatewayAuth, ValidationError
from bitexgate._auth import MAX_SIGNATURE_WINDOW
from common._validation import MAX_CODE, MAX_COUNT, MAX_IN_FLIGHT, MAX_PAGE_SIZE
from tests.bad_input import (
    BAD_TIMEOUTS,
    HUGE,
    NAN,
    Attempt,
    Idle,
    assert_refused,
    bad_seconds,
    bad_whole_numbers,
    cases,
)
from tests.conftest import fixture_json

from .conftest import API_KEY, SECRET

Call = Callable[[BitexGateClient], Awaitable[Any]]

WITHDRAWAL = {"ticker": "USDT", "network": "tron", "address": "T1", "amount": Decimal("22")}
INVOICE = {
    "ticker": "USDT",
    "network": "payeer",
    "amount": Decimal("120"),
    "client_ip": "203.0.113.7",
}


def withdraw(**changes: Any) -> Call:
    return lambda gw: gw.withdrawals.create(**{**WITHDRAWAL, **changes})


def invoice(**changes: Any) -> Call:
    return lambda gw: gw.invoices.create(**{**INVOICE, **changes})


def wallet(**changes: Any) -> Call:
    return lambda gw: gw.wallets.create(**{"ticker": "ETH", "network": "ethereum", **changes})


async def first_page(paginator: Any) -> Any:
    return await paginator


CASES: list[tuple[str, Call, str, str]] = [
    ("missing ticker", withdraw(ticker=""), "ticker", "required"),
    ("blank network", withdraw(network="   "), "network", "required"),
    ("ticker not text", withdraw(ticker=5), "ticker", "string"),
    ("crypto without address", withdraw(address=None), "address", "required for a crypto"),
    ("empty address", withdraw(address=""), "address", "empty"),
    ("address and card", withdraw(card="4111"), "card", "not both"),
    ("zero amount", withdraw(amount=Decimal("0")), "amount", "greater than zero"),
    ("negative amount", withdraw(amount=-1), "amount", "greater than zero"),
    ("float amount", withdraw(amount=22.5), "amount", "not a float"),
    ("text amount", withdraw(amount="lots"), "amount", "decimal number"),
    ("NaN amount", withdraw(amount=Decimal("NaN")), "amount", "finite"),
    ("missing amount", withdraw(amount=None), "amount", "required"),
    ("amount with underscores", withdraw(amount="1_000"), "amount", "ASCII digits 0-9"),
    ("full-width amount", invoice(amount="\uff11\uff12\uff10"), "amount", "ASCII digits 0-9"),
    ("Arabic-Indic percent", wallet(convert_percent="\u0665"), "convert_percent", "ASCII"),
    ("amount exponent", withdraw(amount=Decimal("1E+41")), "amount", "exponent from -40 to +40"),
    ("tiny amount", invoice(amount="1E-41"), "amount", "exponent from -40 to +40"),
    ("41 digits", withdraw(amount="1" * 41), "amount", "at most 40 significant digits"),
    ("huge int amount", withdraw(amount=10**5000), "amount", "at most 40 significant digits"),
    ("huge limit", wallet(convert_limit=Decimal("1E+999999999")), "convert_limit", "exponent"),
    ("huge percent", withdraw(auto_buy_percent=-(10**50)), "auto_buy_percent", "40 significant"),
    ("fee payer 3", withdraw(fee_payer=3), "fee_payer", "FeePayer.BALANCE (1)"),
    ("fee payer 0", withdraw(fee_payer=0), "fee_payer", "FeePayer.AMOUNT (2)"),
    ("fee payer text", withdraw(fee_payer="1"), "fee_payer", "got '1'"),
    ("fee payer bool", withdraw(fee_payer=True), "fee_payer", "got True"),
    ("auto buy float", withdraw(auto_buy_percent=1.5), "auto_buy_percent", "not a float"),
    ("callback not a URL", withdraw(callback_url="example.com/cb"), "callback_url", "http(s)"),
    ("invoice amount zero", invoice(amount=0), "amount", "greater than zero"),
    ("invoice without client ip", invoice(client_ip=""), "client_ip", "required"),
    ("invoice bad client ip", invoice(client_ip="localhost"), "client_ip", "IPv4 or IPv6"),
    ("invoice payment url", invoice(payment_url="ftp://x"), "payment_url", "http(s)"),
    ("invoice convert limit", invoice(convert_limit=Decimal("-5")), "convert_limit", "greater"),
    ("wallet convert percent float", wallet(convert_percent=2.0), "convert_percent", "float"),
    ("wallet without network", wallet(network=""), "network", "required"),
    (
        "page size zero",
        lambda gw: first_page(gw.wallets.list(page_size=0)),
        "page_size",
        "from 1 to 10000",
    ),
    ("page negative", lambda gw: first_page(gw.invoices.list(page=-1)), "page", "from 1 to"),
    ("blank ordering", lambda gw: gw.payment_methods.list(ordering=" "), "ordering", "field"),
    (
        "status text",
        lambda gw: first_page(gw.wallets.history(status="done")),
        "status",
        "DepositStatus",
    ),
    ("txid not text", lambda gw: first_page(gw.withdrawals.history(txid=5)), "txid", "string"),
]


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [pytest.param(call, field, rule, id=name) for name, call, field, rule in CASES],
)
async def test_refused_before_sending(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, call: Call, field: str, rule: str
) -> None:
    catch_all = gateway_mock.route().respond(500)
    with pytest.raises(ValidationError) as caught:
        await call(gw)
    assert caught.value.field == field
    assert rule in caught.value.rule
    assert str(caught.value).startswith(f"{field}: ")
    assert catch_all.call_count == 0


async def test_fiat_method_needs_a_card_once_the_sdk_knows_it_is_fiat(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.get("/api/gateway/payment-methods").respond(
        json=fixture_json("bitexgate", "payment_methods.json")
    )
    withdraw_route = gateway_mock.post("/api/gateway/withdraw/create").respond(500)
    await gw.payment_methods.list()

    with pytest.raises(ValidationError) as caught:
        await gw.withdrawals.create(
            ticker="UAH", network="wiretransfer", address="UA123", amount=Decimal("150")
        )
    assert caught.value.field == "card"
    assert "fiat" in caught.value.rule

    with pytest.raises(ValidationError) as caught:
        await gw.withdrawals.create(
            ticker="BTC", network="bitcoin", card="4111111111111111", amount=Decimal("1")
        )
    assert caught.value.field == "address"
    assert withdraw_route.call_count == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"api_key": "", "secret": SECRET}, "api_key"),
        ({"api_key": API_KEY, "secret": "  "}, "secret"),
        ({"api_key": API_KEY, "secret": SECRET, "signature_window": 0}, "signature_window"),
        ({"api_key": API_KEY, "secret": SECRET + "\n"}, "secret"),
        ({"api_key": " " + API_KEY, "secret": SECRET}, "api_key"),
        ({"api_key": API_KEY, "secret": "ab\x00cd"}, "secret"),
    ],
)
def test_client_configuration_is_checked(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        BitexGateClient(**kwargs)
    assert caught.value.field == field


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="base_url"):
        BitexGateClient(api_key=API_KEY, secret=SECRET, base_url="www.bitexbit.com")


# --- every number and timeout, in one table: refused before anything is sent ---------------


def client_setting(name: str) -> Attempt:
    async def attempt(value: Any, idle: Idle) -> None:
        BitexGateClient(api_key=API_KEY, secret=SECRET, transport=idle, **{name: value})

    return attempt


async def auth_window(value: Any, idle: Idle) -> None:
    GatewayAuth(API_KEY, SECRET, window=value)


CallWith = Callable[[BitexGateClient, Any], Awaitable[Any]]


def method_call(call: CallWith) -> Attempt:
    async def attempt(value: Any, idle: Idle) -> None:
        async with BitexGateClient(api_key=API_KEY, secret=SECRET, transport=idle) as gw:
            await call(gw, value)

    return attempt


def first_page_of(namespace: str, method: str, argument: str, **required: Any) -> Attempt:
    def call(gw: BitexGateClient, value: Any) -> Awaitable[Any]:
        paginate = getattr(getattr(gw, namespace), method)
        result: Awaitable[Any] = first_page(paginate(**required, **{argument: value}))
        return result

    return method_call(call)


def created(namespace: str, argument: str, **required: Any) -> Attempt:
    def call(gw: BitexGateClient, value: Any) -> Awaitable[Any]:
        result: Awaitable[Any] = getattr(gw, namespace).create(**required, **{argument: value})
        return result

    return method_call(call)


PAGINATED = [
    ("wallets", "list"),
    ("wallets", "history"),
    ("invoices", "list"),
    ("invoices", "history"),
    ("withdrawals", "history"),
]
CREATED: list[tuple[str, dict[str, Any]]] = [
    ("wallets", {"ticker": "ETH", "network": "ethereum"}),
    ("invoices", INVOICE),
]

SETTINGS_AND_ARGUMENTS: list[Any] = [
    *cases("client.timeout", "timeout", client_setting("timeout"), BAD_TIMEOUTS),
    *cases(
        "client.signature_window",
        "signature_window",
        client_setting("signature_window"),
        bad_seconds(MAX_SIGNATURE_WINDOW),
    ),
    *cases(
        "client.max_in_flight",
        "max_in_flight",
        client_setting("max_in_flight"),
        bad_whole_numbers(1, MAX_IN_FLIGHT),
    ),
    *cases("GatewayAuth.window", "window", auth_window, bad_seconds(MAX_SIGNATURE_WINDOW)),
    *cases(
        "payment_methods.list.timeout",
        "timeout",
        method_call(lambda gw, timeout: gw.payment_methods.list(timeout=timeout)),
        BAD_TIMEOUTS,
    ),
    *[
        case
        for namespace, required in CREATED
        for case in cases(
            f"{namespace}.create.timeout",
            "timeout",
            created(namespace, "timeout", **required),
            BAD_TIMEOUTS,
        )
    ],
    *cases(
        "withdrawals.create.timeout",
        "timeout",
        created("withdrawals", "timeout", **WITHDRAWAL),
        BAD_TIMEOUTS,
    ),
    *[
        case
        for namespace, method in PAGINATED
        for argument, field, values in [
            ("timeout", "timeout", BAD_TIMEOUTS),
            ("page", "page", bad_whole_numbers(1, MAX_COUNT)),
            ("page_size", "page_size", bad_whole_numbers(1, MAX_PAGE_SIZE)),
            ("max_items", "max_items", bad_whole_numbers(0, MAX_COUNT)),
        ]
        for case in cases(
            f"{namespace}.{method}.{argument}",
            field,
            first_page_of(namespace, method, argument),
            values,
        )
    ],
    *[
        case
        for namespace in ("wallets", "withdrawals")
        for case in cases(
            f"{namespace}.history.status",
            "status",
            first_page_of(namespace, "history", "status"),
            [NAN, True, -1, HUGE, MAX_CODE + 1, "-1", str(MAX_CODE + 1)],
        )
    ],
    *cases(
        "withdrawals.create.fee_payer",
        "fee_payer",
        created("withdrawals", "fee_payer", **WITHDRAWAL),
        [NAN, True, -1, 0, 3, HUGE, -HUGE],
    ),
]


@pytest.mark.parametrize(("attempt", "value", "field"), SETTINGS_AND_ARGUMENTS)
async def test_every_number_and_timeout_is_checked_before_sending(
    attempt: Attempt, value: Any, field: str
) -> None:
    await assert_refused(attempt, value, field)
