"""Input checks that run before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest

from common import AsyncPaginator, Page, RetryPolicy, Transport, ValidationError
from common._encoding import encode_json
from common._validation import (
    MAX_COUNT,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_IN_FLIGHT,
    MAX_RETRIES,
    MAX_SECONDS,
    amount,
    decimal_value,
    optional_text,
    required_text,
    seconds,
    shown,
    timeout_value,
    whole_number,
)
from tests.bad_input import (
    BAD_TIMEOUTS,
    Attempt,
    Idle,
    assert_refused,
    bad_seconds,
    bad_whole_numbers,
    cases,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (Decimal("1E+2"), Decimal("100")),
        ("0.5", Decimal("0.5")),
        (3, Decimal(3)),
        (" 22.50 ", Decimal("22.50")),
        (Decimal("0.00000001"), Decimal("0.00000001")),
    ],
)
def test_amount_accepts(raw: object, expected: Decimal) -> None:
    result = amount("amount", raw)
    assert result == expected
    assert isinstance(result, Decimal)


def test_amount_keeps_the_given_scale() -> None:
    assert str(amount("amount", "22.50")) == "22.50"


@pytest.mark.parametrize(
    ("raw", "rule_words"),
    [
        (0, "greater than zero"),
        (Decimal("0E-8"), "greater than zero"),
        ("0", "greater than zero"),
        (-1, "greater than zero"),
        (Decimal("-0.01"), "greater than zero"),
        (0.5, "float"),
        (float("nan"), "float"),
        (Decimal("NaN"), "finite"),
        ("Infinity", "finite"),
        (True, "boolean"),
        (False, "boolean"),
        ("ten", "decimal number"),
        ("", "decimal number"),
        (None, "Decimal"),
        ([1], "Decimal"),
    ],
)
def test_amount_rejects(raw: object, rule_words: str) -> None:
    with pytest.raises(ValidationError) as info:
        amount("amount", raw)
    assert info.value.field == "amount"
    assert rule_words in info.value.rule
    assert str(info.value).startswith("amount: ")


def test_amount_rejects_too_many_decimal_places() -> None:
    with pytest.raises(ValidationError) as info:
        amount("amount", Decimal("0.123456789"), max_places=8)
    assert info.value.field == "amount"
    assert "at most 8 decimal digits" in info.value.rule


@pytest.mark.parametrize(
    "raw", [Decimal("0.12345678"), Decimal("0.123456780000"), Decimal("1E+2"), "5", 7]
)
def test_amount_accepts_up_to_max_places(raw: object) -> None:
    assert amount("amount", raw, max_places=8) == Decimal(raw)


def test_trailing_zeros_do_not_count_as_places() -> None:
    assert amount("amount", "1.500000000000", max_places=1) == Decimal("1.5")
    with pytest.raises(ValidationError):
        amount("amount", "1.55", max_places=1)


def test_max_places_zero_means_whole_numbers() -> None:
    assert amount("amount", "10.000", max_places=0) == 10
    with pytest.raises(ValidationError):
        amount("amount", "10.5", max_places=0)


def test_max_places_is_exact_beyond_the_decimal_context_precision() -> None:
    # 37 significant digits: more than the default context's 28, so no rounding may hide
    # the ninth decimal place
    with pytest.raises(ValidationError):
        amount("amount", "1234567890123456789012345678.123456789", max_places=8)
    assert amount("amount", "1234567890123456789012345678.12345678", max_places=8) > 0


def test_max_places_with_a_huge_exponent_is_a_validation_error_not_an_arithmetic_one() -> None:
    with pytest.raises(ValidationError, match="exponent from -40 to \\+40"):
        amount("amount", Decimal("1E+1000000"), max_places=8)


def test_decimal_value_allows_zero_and_negatives() -> None:
    assert decimal_value("fee", "0") == 0
    assert decimal_value("fee", "-1.5") == Decimal("-1.5")
    with pytest.raises(ValidationError):
        decimal_value("fee", 1.5)


# --- numeric text: plain ASCII decimal notation only ---------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1_000",  # Decimal() takes underscores as digit separators
        "\uff11\uff12",  # full-width digits
        "\u0661\u0662",  # Arabic-Indic digits
        "\u06f1\u06f2",  # extended Arabic-Indic digits
        "\u0967",  # Devanagari digit one
        "1\u00a0",  # a no-break space after it
        "1.2.3",
        "1e",
        "e5",
        ".",
        "+-1",
        "1 000",
        "0x10",
        "1,5",
        "Infinity",
        "-inf",
        "NaN",
        "sNaN",
    ],
)
def test_numeric_text_must_be_ascii_decimal_notation(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        decimal_value("amount", raw)
    assert info.value.field == "amount"
    assert "ASCII digits 0-9" in info.value.rule
    assert "optional exponent" in info.value.rule


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1.5", Decimal("1.5")),
        ("-.5", Decimal("-0.5")),
        ("5.", Decimal("5")),
        ("1.5E+3", Decimal("1500")),
        ("1e-8", Decimal("0.00000001")),
        ("\t007\n", Decimal("7")),
    ],
)
def test_plain_decimal_notation_is_accepted(raw: str, expected: Decimal) -> None:
    assert decimal_value("amount", raw) == expected


# --- size: bounded digits and exponent, checked before anything is written out -------------

SIZE_RULE = "at most 40 significant digits and an exponent from -40 to +40"


@pytest.mark.parametrize(
    "raw",
    [
        Decimal("1E+999999999"),  # 1 GB once written out as a fixed-point number
        Decimal("1E+999999999999999999"),  # beyond memory once written out
        Decimal("-1E-999999999999999999"),
        "1E+999999999",
        "1E+99999999999999999999999",  # beyond even Decimal's own exponent range
        "1E+41",
        "1E-41",
        "0E-41",
        Decimal("1" * (MAX_DIGITS + 1)),
        "0." + "1" * (MAX_DIGITS + 1),
        10**MAX_DIGITS,
        -(10**MAX_DIGITS),
        10**5000,  # more digits than Python writes out as text
        -(10**5000),
        Decimal(10**5000),
    ],
    ids=shown,
)
def test_size_is_bounded(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        decimal_value("amount", raw)
    assert info.value.field == "amount"
    assert SIZE_RULE in info.value.rule
    assert len(str(info.value)) < 300


@pytest.mark.parametrize(
    "raw",
    [
        "9" * MAX_DIGITS,
        10**MAX_DIGITS - 1,
        Decimal("1E+40"),
        Decimal("9.999E+40"),
        Decimal("1E-40"),
        "0." + "0" * (MAX_EXPONENT - 1) + "1" * MAX_DIGITS,  # 40 digits from 1E-40 on
        Decimal("0E-40"),
        "000000000000000000000000000000000000000000000000000.5",  # leading zeros do not count
    ],
)
def test_size_bounds_are_inclusive(raw: object) -> None:
    value = decimal_value("amount", raw)
    assert len(format(value, "f")) <= 3 * MAX_DIGITS


def test_amount_with_a_huge_exponent_is_refused_before_it_is_written_out() -> None:
    with pytest.raises(ValidationError, match="exponent from -40"):
        amount("amount", Decimal("1E+999999999"), max_places=8)


@pytest.mark.parametrize(
    "value",
    [Decimal("1E+1001"), Decimal("1E-1001"), Decimal("-5E+999999999"), Decimal("0E+1001")],
)
def test_encode_json_refuses_an_exponent_it_would_have_to_write_out(value: Decimal) -> None:
    with pytest.raises(ValueError, match="exponent"):
        encode_json({"amount": value})


def test_encode_json_still_writes_a_wide_exponent_out() -> None:
    assert encode_json(Decimal("1E+1000")) == b"1" + b"0" * 1000


def test_shown_never_fails_and_stays_short() -> None:
    assert shown(10**5000) == "an int over 600 digits long"
    assert shown(-(10**5000)) == "an int over 600 digits long"
    assert shown("x" * 1000).endswith("...")
    assert len(shown("x" * 1000)) == 60
    assert shown(Decimal("1.5")) == "Decimal('1.5')"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", None, 5, b"addr", ["a"]])
def test_required_text_rejects(raw: object) -> None:
    with pytest.raises(ValidationError) as info:
        required_text("address", raw)
    assert info.value.field == "address"
    assert info.value.rule


def test_required_text_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        required_text("address", "  ")
    with pytest.raises(ValidationError, match="must be a string, got int"):
        required_text("address", 5)


def test_required_text_returns_the_value_unchanged() -> None:
    assert required_text("address", " T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb ") == (
        " T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb "
    )


def test_optional_text() -> None:
    assert optional_text("memo", None) is None
    assert optional_text("memo", "") == ""
    assert optional_text("memo", "x") == "x"
    with pytest.raises(ValidationError):
        optional_text("memo", 5)


# --- settings and per-call arguments: one table ----------------------------------------------

BASE = "https://api.example.com"


async def transport_setting(name: str, value: Any, idle: Idle) -> None:
    Transport(BASE, transport=idle, **{name: value})


async def transport_timeout(value: Any, idle: Idle) -> None:
    await transport_setting("timeout", value, idle)


async def transport_max_in_flight(value: Any, idle: Idle) -> None:
    await transport_setting("max_in_flight", value, idle)


async def call_timeout(value: Any, idle: Idle) -> None:
    async with Transport(BASE, transport=idle) as transport:
        await transport.request("GET", "/x", timeout=value)


def retry_policy(name: str) -> Attempt:
    async def attempt(value: Any, idle: Idle) -> None:
        RetryPolicy(**{name: value})

    return attempt


async def paginator_max_items(value: Any, idle: Idle) -> None:
    async def fetch(query: Mapping[str, str]) -> Page[int]:
        raise AssertionError("no page may be fetched")

    AsyncPaginator(fetch, {}, max_items=value)


COMMON_SETTINGS: list[Any] = [
    *cases("Transport.timeout", "timeout", transport_timeout, BAD_TIMEOUTS),
    *cases(
        "Transport.max_in_flight",
        "max_in_flight",
        transport_max_in_flight,
        bad_whole_numbers(1, MAX_IN_FLIGHT),
    ),
    *cases("request.timeout", "timeout", call_timeout, BAD_TIMEOUTS),
    *cases(
        "RetryPolicy.max_retries",
        "max_retries",
        retry_policy("max_retries"),
        bad_whole_numbers(0, MAX_RETRIES),
    ),
    *[
        case
        for name in ("initial_delay", "max_delay", "max_retry_after")
        for case in cases(
            f"RetryPolicy.{name}", name, retry_policy(name), bad_seconds(MAX_SECONDS, zero_ok=True)
        )
    ],
    *cases("RetryPolicy.jitter", "jitter", retry_policy("jitter"), bad_seconds(1.0, zero_ok=True)),
    *cases(
        "AsyncPaginator.max_items",
        "max_items",
        paginator_max_items,
        bad_whole_numbers(0, MAX_COUNT),
    ),
]


@pytest.mark.parametrize(("attempt", "value", "field"), COMMON_SETTINGS)
async def test_bad_setting_or_argument_is_refused_before_sending(
    attempt: Attempt, value: Any, field: str
) -> None:
    await assert_refused(attempt, value, field)


@pytest.mark.parametrize(
    "value",
    [
        0.001,
        5,
        MAX_SECONDS,
        int(MAX_SECONDS),
        None,  # no limit, as httpx takes it
        httpx.Timeout(None),
        httpx.Timeout(5.0, connect=None),
        httpx.Timeout(MAX_SECONDS),
    ],
    ids=str,
)
def test_timeout_value_accepts(value: Any) -> None:
    result = timeout_value("timeout", value)
    assert isinstance(result, httpx.Timeout)
    if not isinstance(value, httpx.Timeout):
        assert result == httpx.Timeout(value)


def test_timeout_rules_say_what_is_allowed() -> None:
    with pytest.raises(ValidationError) as caught:
        timeout_value("timeout", float("nan"))
    assert caught.value.rule == (
        "must be a number of seconds greater than 0 and at most 86400, or an httpx.Timeout, got nan"
    )
    with pytest.raises(ValidationError) as caught:
        timeout_value("timeout", httpx.Timeout(5.0, pool=0.0))
    assert caught.value.rule == (
        "pool must be None or a number of seconds greater than 0 and at most 86400, got 0.0"
    )


def test_whole_number_bounds_are_inclusive_and_the_rule_states_them() -> None:
    assert whole_number("page", 1, minimum=1, maximum=10) == 1
    assert whole_number("page", 10, minimum=1, maximum=10) == 10
    with pytest.raises(ValidationError) as caught:
        whole_number("page", 10**5000, minimum=1, maximum=10)
    assert caught.value.rule == (
        "must be a whole number from 1 to 10, got an int over 600 digits long"
    )


def test_seconds_bounds() -> None:
    assert seconds("wait", 0, allow_zero=True) == 0.0
    assert seconds("wait", MAX_SECONDS) == MAX_SECONDS
    assert isinstance(seconds("wait", 3), float)
    with pytest.raises(ValidationError, match="from 0 to 86400, got -1"):
        seconds("wait", -1, allow_zero=True)
    with pytest.raises(ValidationError, match="greater than 0 and at most 300, got 0"):
        seconds("window", 0, maximum=300.0)


def test_retry_policy_accepts_its_bounds() -> None:
    policy = RetryPolicy(
        max_retries=MAX_RETRIES,
        initial_delay=0,
        max_delay=MAX_SECONDS,
        max_retry_after=0.0,
        jitter=1,
    )
    assert policy.max_retries == MAX_RETRIES


def test_a_paginator_may_walk_up_to_the_largest_count() -> None:
    async def fetch(query: Mapping[str, str]) -> Page[int]:
        return Page([])

    assert "max_items=1000000000" in repr(AsyncPaginator(fetch, {}, max_items=MAX_COUNT))
