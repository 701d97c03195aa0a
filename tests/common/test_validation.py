"""Input checks that run before anything is sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common import ValidationError
from common._transport import encode_json
from common._validation import (
    MAX_DIGITS,
    MAX_EXPONENT,
    amount,
    decimal_value,
    optional_text,
    required_text,
    shown,
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
