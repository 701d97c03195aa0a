"""Input checks that run before anything is sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common import ValidationError
from common._validation import amount, decimal_value, optional_text, required_text


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


def test_max_places_with_a_huge_exponent_is_not_an_arithmetic_error() -> None:
    assert amount("amount", Decimal("1E+1000000"), max_places=8) == Decimal("1E+1000000")


def test_decimal_value_allows_zero_and_negatives() -> None:
    assert decimal_value("fee", "0") == 0
    assert decimal_value("fee", "-1.5") == Decimal("-1.5")
    with pytest.raises(ValidationError):
        decimal_value("fee", 1.5)


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
