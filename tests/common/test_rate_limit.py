"""A rate limit as a value: built in code or read from the notation of `limits`."""

from __future__ import annotations

from typing import Any

import pytest

from common import RateLimit, ValidationError


@pytest.mark.parametrize(
    ("text", "amount", "per"),
    [
        ("20/second", 20, 1),
        ("20 per second", 20, 1),
        ("20/seconds", 20, 1),
        ("  20 / SECOND  ", 20, 1),
        ("100/10 seconds", 100, 10),
        ("100 per 10 seconds", 100, 10),
        ("5 per minute", 5, 60),
        ("5/2 minutes", 5, 120),
        ("60/hour", 60, 3600),
        ("1000/day", 1000, 86_400),
    ],
)
def test_the_notation_of_limits_is_read(text: str, amount: int, per: int) -> None:
    assert RateLimit.parse(text) == RateLimit(amount, per=per)


@pytest.mark.parametrize(
    "text",
    ["", "20", "20/", "/second", "20 second", "20/week", "20/s", "-1/second", "1.5/second",
     "20/second; 5/minute", "20/2 days", "20/0 seconds"],
)  # fmt: skip
def test_other_text_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RateLimit.parse(text)
    assert caught.value.field == "rate_limit"


def test_a_period_is_a_whole_number_of_seconds() -> None:
    assert RateLimit(20, per=1.0) == RateLimit(20)
    assert RateLimit(20).per == 1
    assert RateLimit(100, per=60).per == 60


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 100_001}, "amount"),
        ({"amount": "20"}, "amount"),
        ({"amount": 20, "per": 0.5}, "per"),
        ({"amount": 20, "per": 0}, "per"),
        ({"amount": 20, "per": 86_401}, "per"),
        ({"amount": 20, "per": float("nan")}, "per"),
    ],
)
def test_bad_values_are_refused_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RateLimit(**kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit(20), "20 per second"),
        (RateLimit(5, per=60), "5 per minute"),
        (RateLimit(60, per=3600), "60 per hour"),
        (RateLimit(1000, per=86_400), "1000 per day"),
        (RateLimit(100, per=10), "100 per 10 seconds"),
    ],
)
def test_a_limit_reads_as_its_notation_and_back(limit: RateLimit, text: str) -> None:
    assert str(limit) == text
    assert RateLimit.parse(str(limit)) == limit
