"""Checks on user input, run before anything is sent.

Each raises ValidationError naming the field and the rule it broke.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation, Rounded
from typing import Any

import httpx

from ._errors import ValidationError

__all__ = [
    "MAX_CODE",
    "MAX_COUNT",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_IN_FLIGHT",
    "MAX_PAGE_SIZE",
    "MAX_RETRIES",
    "MAX_SECONDS",
    "amount",
    "decimal_value",
    "fraction",
    "offset_seconds",
    "optional_text",
    "required_text",
    "seconds",
    "shown",
    "timeout_value",
    "whole_number",
]

# Bounds on every amount, rate, fee and percent a caller passes. The largest real
# figures are far inside them: an 18-decimal token (wei) with a supply of 10**12
# whole units needs 30 significant digits, and the smallest unit in use anywhere is
# 1E-18. Past them a number is a mistake or an attack: Decimal("1E+999999999") is a
# few bytes, but written out as the fixed-point JSON number the APIs want it is a
# gigabyte. Within them, the text sent is at most 82 characters long.
#: At most this many significant digits: leading zeros do not count, trailing ones do
#: (1.500 has 4), as the text sent carries them.
MAX_DIGITS = 40
#: The exponent in scientific notation (1.5E+3 has 3; 0.001 has -3) lies within +-this.
MAX_EXPONENT = 40

# Bounds on settings and per-call arguments. Each is far beyond any real use, and
# each rule states its own; past them a value is a typo (a timeout in milliseconds),
# or one that would only fail later, further from its cause (an int too long to write
# into a query, a nan that makes every comparison false).
#: A day: the longest timeout, retry wait or token leeway that makes sense for one call.
MAX_SECONDS = 86_400.0
#: Items per page. tastypie caps a page at 1000 items unless told otherwise, and DRF at
#: what each view sets; ten thousand is still one reply of a few megabytes.
MAX_PAGE_SIZE = 10_000
#: Page numbers, offsets and item counts: a billion, more records than an account holds.
MAX_COUNT = 1_000_000_000
#: A numeric code (a status, an amount mode): the range of a Django IntegerField, the
#: likely column behind such a code on both (Django) servers.
MAX_CODE = 2**31 - 1
#: Requests on the wire at once: a hundred times the default pool of 100 connections.
MAX_IN_FLIGHT = 10_000
#: Retries of one request: with the default 8 s cap between them, over ten minutes.
MAX_RETRIES = 100

_NUMBER_FORM = (
    "a finite decimal number written with ASCII digits 0-9, an optional sign, "
    "at most one decimal point and an optional exponent (such as '120', '-0.5' or '1.5E+3')"
)
_SIZE_RULE = (
    f"must have at most {MAX_DIGITS} significant digits and an exponent from "
    f"-{MAX_EXPONENT} to +{MAX_EXPONENT} in scientific notation (1.5E+3 has exponent 3)"
)
# What Python's Decimal() would also take, and the APIs' servers may not: "1_000",
# full-width or Arabic-Indic digits, "Infinity", "NaN".
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ASCII_SPACE = " \t\n\r\f\v"
# Rounding to MAX_DIGITS signals Rounded exactly when a coefficient has more digits,
# found without copying them out (as_tuple() would make a tuple of every digit).
_DIGIT_LIMIT = Context(prec=MAX_DIGITS, traps=[Rounded])
# An int at least this large cannot fit the bounds, and is not converted to check.
_INT_LIMIT = 10**MAX_DIGITS
# Longest text an error quotes from a value.
_MAX_SHOWN = 60
# Ints longer than this are not written out in errors: Python refuses to write an int
# of more than 4300 digits as text (640 at the lowest setting), and 2000 bits is
# about 600 digits.
_MAX_SHOWN_BITS = 2000


def shown(value: Any) -> str:
    """`value` as an error message quotes it: its repr, cut short.

    Never fails: a huge int is described by its size, as its repr could raise.
    """
    if isinstance(value, int) and value.bit_length() > _MAX_SHOWN_BITS:
        return "an int over 600 digits long"
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def whole_number(field: str, value: Any, *, minimum: int, maximum: int) -> int:
    """An int (not a bool) from `minimum` to `maximum`: a page, a count, a code."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationError(
            field, f"must be a whole number from {minimum} to {maximum}, got {shown(value)}"
        )
    return int(value)


def seconds(
    field: str, value: Any, *, maximum: float = MAX_SECONDS, allow_zero: bool = False
) -> float:
    """A number of seconds (an int or a float): greater than 0, or 0 too, up to `maximum`."""
    low = "from 0 to" if allow_zero else "greater than 0 and at most"
    rule = f"must be a number of seconds {low} {maximum:g}"
    return _real(field, value, rule, maximum=maximum, allow_zero=allow_zero)


def offset_seconds(field: str, value: Any, *, limit: float = MAX_SECONDS) -> float:
    """A number of seconds either way (an int or a float), from `-limit` to `limit`."""
    rule = f"must be a number of seconds from -{limit:g} to {limit:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"{rule}, got {shown(value)}")
    if not -limit <= value <= limit:  # never true for nan
        raise ValidationError(field, f"{rule}, got {shown(value)}")
    return float(value)


def fraction(field: str, value: Any) -> float:
    """A number from 0 to 1 (an int or a float)."""
    return _real(field, value, "must be a number from 0 to 1", maximum=1.0, allow_zero=True)


_TIMEOUT_PARTS = ("connect", "read", "write", "pool")


def timeout_value(field: str, value: Any) -> httpx.Timeout:
    """A timeout as httpx takes one: seconds, an `httpx.Timeout`, or None for no limit.

    The number, or each part of the `httpx.Timeout` (connect, read, write, pool)
    that is not None, is a number of seconds greater than 0 and at most MAX_SECONDS.
    """
    if value is None:
        return httpx.Timeout(None)
    limit = f"a number of seconds greater than 0 and at most {MAX_SECONDS:g}"
    if not isinstance(value, httpx.Timeout):
        rule = f"must be {limit}, or an httpx.Timeout"
        return httpx.Timeout(_real(field, value, rule, maximum=MAX_SECONDS, allow_zero=False))
    for part in _TIMEOUT_PARTS:
        seconds_or_none = getattr(value, part)
        if seconds_or_none is not None:
            rule = f"{part} must be None or {limit}"
            _real(field, seconds_or_none, rule, maximum=MAX_SECONDS, allow_zero=False)
    return value


def _real(field: str, value: Any, rule: str, *, maximum: float, allow_zero: bool) -> float:
    """`value` as a float: an int or a float (not a bool) above 0 (or from 0) up to `maximum`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(field, f"{rule}, got {shown(value)}")
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value <= maximum):  # never true for nan; an int is compared exactly
        raise ValidationError(field, f"{rule}, got {shown(value)}")
    return float(value)


def required_text(field: str, value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, "is required and must not be empty")
    return value


def optional_text(field: str, value: Any) -> str | None:
    """None, or a string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    return value


def decimal_value(field: str, value: Any) -> Decimal:
    """An exact, finite Decimal from a Decimal, an int or numeric text; never a float.

    Text must be plain decimal notation in ASCII (surrounding ASCII whitespace
    aside). Whatever its type, the value is held to MAX_DIGITS significant digits
    and an exponent within MAX_EXPONENT before anything writes it out.
    """
    if isinstance(value, float):
        raise ValidationError(
            field,
            "must be a Decimal, an int or a numeric string, not a float "
            "(a float cannot hold an amount exactly)",
        )
    if isinstance(value, bool):
        raise ValidationError(field, "must be a number, not a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if abs(value) >= _INT_LIMIT:  # checked before Decimal() copies its digits
            raise ValidationError(field, f"{_SIZE_RULE}, got {shown(value)}")
        result = Decimal(value)
    elif isinstance(value, str):
        result = _parse_number(field, value)
    else:
        raise ValidationError(
            field, f"must be a Decimal, an int or a numeric string, got {type(value).__name__}"
        )
    if not result.is_finite():
        raise ValidationError(field, f"must be a finite number, got {shown(value)}")
    return _within_bounds(field, result, value)


def _parse_number(field: str, text: str) -> Decimal:
    """Numeric text as a Decimal: plain decimal notation in ASCII, nothing else."""
    stripped = text.strip(_ASCII_SPACE)
    if not _NUMBER_TEXT.fullmatch(stripped):
        raise ValidationError(field, f"must be {_NUMBER_FORM}, got {shown(text)}")
    try:
        return Decimal(stripped)  # linear in the text: nothing is expanded yet
    except InvalidOperation:  # an exponent beyond even Decimal's own range
        raise ValidationError(field, f"{_SIZE_RULE}, got {shown(text)}") from None


def _within_bounds(field: str, value: Decimal, given: Any) -> Decimal:
    """`value`, if its digits and exponent are within MAX_DIGITS and MAX_EXPONENT."""
    if not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT or _too_many_digits(value):
        raise ValidationError(field, f"{_SIZE_RULE}, got {shown(given)}")
    return value


def _too_many_digits(value: Decimal) -> bool:
    """Whether the coefficient of `value` has more than MAX_DIGITS digits."""
    try:
        _DIGIT_LIMIT.plus(value)
    except Rounded:
        return True
    return False


def amount(field: str, value: Any, *, max_places: int | None = None) -> Decimal:
    """A positive amount, with at most `max_places` decimal digits when given."""
    result = decimal_value(field, value)
    if result <= 0:
        raise ValidationError(field, f"must be greater than zero, got {result}")
    if max_places is not None and _decimal_places(result) > max_places:
        raise ValidationError(field, f"must have at most {max_places} decimal digits, got {result}")
    return result


def _decimal_places(value: Decimal) -> int:
    """Digits after the point of a non-zero value, trailing zeros aside.

    Exact, unlike `normalize()`, which rounds to the context's precision and
    overflows on a huge exponent.
    """
    _, digits, exponent = value.as_tuple()
    places = -int(exponent)  # a finite Decimal's exponent is an int
    for digit in reversed(digits):
        if places <= 0 or digit != 0:
            break
        places -= 1
    return max(places, 0)
