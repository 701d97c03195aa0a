"""Bad input is refused before anything is sent, naming the field and the rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
import respx

from bityclient import BityAuth, BityClient, OrderCategory, Token, ValidationError
from common._validation import MAX_CODE, MAX_COUNT, MAX_PAGE_SIZE, MAX_SECONDS
from tests.bad_input import (
    BAD_TIMEOUTS,
    HUGE,
    Attempt,
    Idle,
    assert_refused,
    bad_seconds,
    bad_whole_numbers,
    cases,
)

from .conftest import CLIENT_ID, make_token

Call = Callable[[BityClient], Awaitable[Any]]


def order(**changes: Any) -> Call:
    kwargs: dict[str, Any] = {"category": OrderCategory.BUY_ETH, "amount": Decimal("0.5")}
    kwargs.update(changes)
    return lambda bity: bity.orders.create(**kwargs)


def verify(**changes: Any) -> Call:
    kwargs: dict[str, Any] = {"phone": "+41786399501", "code": "381499"}
    kwargs.update(changes)
    return lambda bity: bity.users.verify_phone(**kwargs)


def login(**changes: Any) -> Call:
    kwargs: dict[str, Any] = {"username": "+41786399501", "password": "abc123"}
    kwargs.update(changes)
    return lambda bity: bity.login(**kwargs)


async def first_page(paginator: Any) -> Any:
    return await paginator


BAD_INPUT: list[Any] = [
    # orders.create: the amount ("maximum eight decimal digits", a positive string)
    pytest.param(order(amount=0.5), "amount", "float", id="amount-float"),
    pytest.param(order(amount=Decimal("0.000000001")), "amount", "8 decimal", id="amount-9-places"),
    pytest.param(order(amount=Decimal("1.123456789")), "amount", "8 decimal", id="amount-places"),
    pytest.param(order(amount=Decimal(0)), "amount", "greater than zero", id="amount-zero"),
    pytest.param(order(amount=Decimal("-1")), "amount", "greater than zero", id="amount-negative"),
    pytest.param(order(amount="abc"), "amount", "decimal number", id="amount-text"),
    pytest.param(order(amount=Decimal("NaN")), "amount", "finite", id="amount-nan"),
    pytest.param(order(amount=True), "amount", "boolean", id="amount-bool"),
    pytest.param(order(amount=None), "amount", "Decimal", id="amount-none"),
    pytest.param(order(amount="1_000"), "amount", "ASCII digits 0-9", id="amount-underscore"),
    pytest.param(order(amount="\uff10.5"), "amount", "ASCII digits 0-9", id="amount-full-width"),
    pytest.param(order(amount="\u0661"), "amount", "ASCII digits 0-9", id="amount-arabic-indic"),
    pytest.param(order(amount=Decimal("1E+41")), "amount", "exponent from -40", id="amount-1e41"),
    pytest.param(order(amount=10**5000), "amount", "40 significant digits", id="amount-huge-int"),
    pytest.param(order(amount="1" * 41), "amount", "40 significant digits", id="amount-41-digits"),
    # orders.create: codes and text
    pytest.param(order(category=""), "category", "required", id="category-empty"),
    pytest.param(order(category="BUY ETH"), "category", "spaces", id="category-space"),
    pytest.param(order(category=3), "category", "string", id="category-int"),
    pytest.param(order(currency="E UR"), "currency", "spaces", id="currency-space"),
    pytest.param(order(payment_method=5), "payment_method", "string", id="payment-int"),
    pytest.param(order(amount_mode=-1), "amount_mode", "from 0 to", id="amount-mode-negative"),
    pytest.param(order(amount_mode="3"), "amount_mode", "int", id="amount-mode-text"),
    pytest.param(order(amount_mode=True), "amount_mode", "int", id="amount-mode-bool"),
    pytest.param(order(crypto_address="0x 12"), "crypto_address", "spaces", id="address-space"),
    pytest.param(order(crypto_address=""), "crypto_address", "required", id="address-empty"),
    pytest.param(order(person=" "), "person", "required", id="person-blank"),
    # users.verify_phone
    pytest.param(verify(phone="41786399501"), "phone", "'+'", id="phone-no-plus"),
    pytest.param(verify(phone="+41 78 639 95 01"), "phone", "digits", id="phone-spaces"),
    pytest.param(verify(phone="+41"), "phone", "7 to 15", id="phone-short"),
    pytest.param(verify(phone=41786399501), "phone", "string", id="phone-int"),
    pytest.param(verify(code=""), "code", "required", id="code-empty"),
    pytest.param(verify(code=381499), "code", "string", id="code-int"),
    # rates: a pair is two codes together, upper case
    pytest.param(lambda b: b.rates.we_sell("ethbtc"), "pair", "'ETHBTC'?", id="pair-lower"),
    pytest.param(lambda b: b.rates.we_sell("ETH/BTC"), "pair", "upper case", id="pair-slash"),
    pytest.param(lambda b: b.rates.we_buy("ETH"), "pair", "two currency codes", id="pair-one"),
    pytest.param(lambda b: b.rates.we_buy("ETH BTC"), "pair", "upper case", id="pair-space"),
    pytest.param(lambda b: b.rates.we_buy(123), "pair", "string", id="pair-int"),
    pytest.param(lambda b: b.rates.we_buy("../ETHBTC"), "pair", "upper case", id="pair-path"),
    # lists
    pytest.param(
        lambda b: first_page(b.rates.list(page_size=0)), "page_size", "from 1", id="size-0"
    ),
    pytest.param(lambda b: first_page(b.orders.list(offset=-1)), "offset", "from 0", id="offset"),
    pytest.param(
        lambda b: first_page(b.orders.list(order_by="id desc")), "order_by", "+", id="order-by"
    ),
    pytest.param(lambda b: first_page(b.orders.list(order_by="")), "order_by", "required", id="ob"),
    pytest.param(
        lambda b: first_page(b.rates.list(max_items=-1)), "max_items", "from 0", id="max-items"
    ),
    # login
    pytest.param(login(username=""), "username", "required", id="username-empty"),
    pytest.param(login(username="a b"), "username", "spaces", id="username-space"),
    pytest.param(login(password=""), "password", "required", id="password-empty"),
    pytest.param(login(password=None), "password", "string", id="password-none"),
]


@pytest.mark.parametrize(("call", "field", "rule"), BAD_INPUT)
async def test_bad_input_is_refused_before_sending(
    router: respx.MockRouter, bity: BityClient, call: Call, field: str, rule: str
) -> None:
    anything = router.route()
    with pytest.raises(ValidationError) as info:
        await call(bity)
    assert info.value.field == field
    assert rule in info.value.rule
    assert str(info.value).startswith(f"{field}: ")
    assert anything.call_count == 0
    assert router.calls.call_count == 0


async def test_password_is_never_echoed(router: respx.MockRouter, bity: BityClient) -> None:
    with pytest.raises(ValidationError) as info:
        await bity.login(username="+41786399501", password=12345678)  # type: ignore[arg-type]
    assert "12345678" not in str(info.value)
    assert router.calls.call_count == 0


# --- every number and timeout, in one table: refused before anything is sent ---------------


def client_setting(name: str) -> Attempt:
    async def attempt(value: Any, idle: Idle) -> None:
        BityClient(client_id=CLIENT_ID, transport=idle, **{name: value})

    return attempt


async def auth_leeway(value: Any, idle: Idle) -> None:
    async def request_token(form: Mapping[str, str], *, hint: str, timeout: Any) -> Token:
        raise AssertionError("no token may be requested")

    BityAuth(client_id=CLIENT_ID, request_token=request_token, refresh_leeway=value)


def method_call(call: Callable[[BityClient, Any], Awaitable[Any]]) -> Attempt:
    async def attempt(value: Any, idle: Idle) -> None:
        async with BityClient(client_id=CLIENT_ID, transport=idle, token=make_token()) as bity:
            await call(bity, value)

    return attempt


def first_page_of(resource: str, argument: str) -> Attempt:
    return method_call(
        lambda bity, value: first_page(getattr(bity, resource).list(**{argument: value}))
    )


CALLS_WITH_A_TIMEOUT: list[tuple[str, Callable[[BityClient, Any], Awaitable[Any]]]] = [
    ("login", lambda b, t: b.login(username="+41786399501", password="abc123", timeout=t)),
    ("refresh", lambda b, t: b.refresh(timeout=t)),
    ("auth.refresh", lambda b, t: b.auth.refresh(timeout=t)),
    ("verify_phone", lambda b, t: b.users.verify_phone(phone="+41786399501", code="1", timeout=t)),
    ("we_sell", lambda b, t: b.rates.we_sell("ETHBTC", timeout=t)),
    ("we_buy", lambda b, t: b.rates.we_buy("ETHBTC", timeout=t)),
    ("rates.list", lambda b, t: first_page(b.rates.list(timeout=t))),
    ("orders.list", lambda b, t: first_page(b.orders.list(timeout=t))),
    (
        "orders.create",
        lambda b, t: b.orders.create(category="BUY_ETH", amount=Decimal("0.5"), timeout=t),
    ),
]

SETTINGS_AND_ARGUMENTS: list[Any] = [
    *cases("client.timeout", "timeout", client_setting("timeout"), BAD_TIMEOUTS),
    *cases(
        "client.refresh_leeway",
        "refresh_leeway",
        client_setting("refresh_leeway"),
        bad_seconds(MAX_SECONDS, zero_ok=True),
    ),
    *cases(
        "BityAuth.refresh_leeway",
        "refresh_leeway",
        auth_leeway,
        bad_seconds(MAX_SECONDS, zero_ok=True),
    ),
    *[
        case
        for name, call in CALLS_WITH_A_TIMEOUT
        for case in cases(f"{name}.timeout", "timeout", method_call(call), BAD_TIMEOUTS)
    ],
    *[
        case
        for resource in ("rates", "orders")
        for argument, minimum, maximum in [
            ("page_size", 1, MAX_PAGE_SIZE),
            ("offset", 0, MAX_COUNT),
            ("max_items", 0, MAX_COUNT),
        ]
        for case in cases(
            f"{resource}.list.{argument}",
            argument,
            first_page_of(resource, argument),
            bad_whole_numbers(minimum, maximum),
        )
    ],
    *cases(
        "orders.create.amount_mode",
        "amount_mode",
        method_call(
            lambda b, mode: b.orders.create(
                category="BUY_ETH", amount=Decimal("0.5"), amount_mode=mode
            )
        ),
        [True, -1, HUGE, -HUGE, MAX_CODE + 1],
    ),
]


@pytest.mark.parametrize(("attempt", "value", "field"), SETTINGS_AND_ARGUMENTS)
async def test_every_number_and_timeout_is_checked_before_sending(
    attempt: Attempt, value: Any, field: str
) -> None:
    await assert_refused(attempt, value, field)
