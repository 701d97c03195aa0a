"""Checks on user input, run before anything is sent.

Each raises ValidationError naming the field and the rule it broke.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ._errors import ValidationError

__all__ = ["amount", "decimal_value", "optional_text", "required_text"]


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
    """An exact, finite Decimal from a Decimal, an int or numeric text; never a float."""
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
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(field, f"must be a decimal number, got {value!r}") from None
    else:
        raise ValidationError(
            field, f"must be a Decimal, an int or a numeric string, got {type(value).__name__}"
        )
    if not result.is_finite():
        raise ValidationError(field, f"must be a finite number, got {value!r}")
    return result


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
