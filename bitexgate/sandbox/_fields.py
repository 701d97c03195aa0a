"""Request fields read as Django REST framework's serializer fields read them.

`Form` reads one body field by field (CharField, URLField, IPAddressField,
DecimalField, ChoiceField), collecting the errors per field, with DRF's own
messages; `check()` raises them as `InvalidInput` (the DRF 400 body,
`{"field": ["message"]}`). `control_amount` reads an amount given to a sandbox
control, refusing with `Refused`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from ._errors import InvalidInput, Refused
from ._records import MAX_DIGITS, PLACES, places
from ._render import money

__all__ = ["NOT_BLANK", "NOT_NULL", "REQUIRED", "Form", "control_amount"]

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."


_MISSING: Any = object()


def _url_is_valid(text: str) -> bool:
    if any(char.isspace() for char in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _precision_error(value: Decimal, max_digits: int, places: int) -> str | None:
    """DRF's DecimalField.validate_precision, message for message."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or infinity
        return "A valid number is required."
    if exponent >= 0:
        total, whole, decimals = len(digits) + exponent, len(digits) + exponent, 0
    elif len(digits) > abs(exponent):
        total, whole, decimals = len(digits), len(digits) - abs(exponent), abs(exponent)
    else:
        total, whole, decimals = abs(exponent), 0, abs(exponent)
    if total > max_digits:
        return f"Ensure that there are no more than {max_digits} digits in total."
    if decimals > places:
        return f"Ensure that there are no more than {places} decimal places."
    if whole > max_digits - places:
        whole_digits = max_digits - places
        return f"Ensure that there are no more than {whole_digits} digits before the decimal point."
    return None


class Form:
    """The fields of one request body, read one by one; errors collect per field."""

    def __init__(self, data: Any) -> None:
        if data is None:
            raise InvalidInput({"non_field_errors": ["No data provided"]})
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise InvalidInput(
                {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
            )
        self._data: dict[str, Any] = data
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def _present(self, field: str, required: bool) -> Any:
        value = self._data.get(field, _MISSING)
        if value is _MISSING:
            if required:
                self.add(field, REQUIRED)
            return _MISSING
        if value is None:
            if required:
                self.add(field, NOT_NULL)
            return _MISSING
        return value

    def text(self, field: str, *, required: bool = False, max_length: int = 255) -> str | None:
        """A CharField: trimmed; blank is an error when required, None otherwise."""
        value = self._present(field, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(field, "Not a valid string.")
            return None
        text = str(value).strip()
        if not text:
            if required:
                self.add(field, NOT_BLANK)
            return None
        if "\x00" in text:
            self.add(field, "Null characters are not allowed.")
            return None
        if len(text) > max_length:
            self.add(field, f"Ensure this field has no more than {max_length} characters.")
            return None
        return text

    def url(self, field: str) -> str | None:
        """A URLField (http or https, with a host)."""
        text = self.text(field, max_length=200)
        if text is not None and not _url_is_valid(text):
            self.add(field, "Enter a valid URL.")
            return None
        return text

    def ip(self, field: str) -> str | None:
        """A required IPAddressField."""
        text = self.text(field, required=True, max_length=45)
        if text is None:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            self.add(field, "Enter a valid IPv4 or IPv6 address.")
            return None

    def decimal(
        self,
        field: str,
        *,
        required: bool = False,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
    ) -> Decimal | None:
        """A DecimalField(max_digits=28, decimal_places=8), quantized to 8 places."""
        value = self._present(field, required)
        if value is _MISSING:
            return None
        text = str(value).strip()
        if len(text) > 1000:
            self.add(field, "String value too large.")
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if isinstance(value, (bool, dict, list)) or not number.is_finite():
            self.add(field, "A valid number is required.")
            return None
        problem = _precision_error(number, MAX_DIGITS, PLACES)
        if problem is None and min_value is not None and number < min_value:
            problem = f"Ensure this value is greater than or equal to {money(min_value)}."
        if problem is None and max_value is not None and number > max_value:
            problem = f"Ensure this value is less than or equal to {money(max_value)}."
        if problem is not None:
            self.add(field, problem)
            return None
        return places(number)

    def choice(self, field: str, choices: Iterable[int], *, default: int) -> int:
        """A ChoiceField of integers, which also takes them as text (`"2"`)."""
        value = self._present(field, False)
        if value is _MISSING:
            return default
        for choice in choices:
            if not isinstance(value, bool) and str(value) == str(choice):
                return choice
        self.add(field, f'"{value}" is not a valid choice.')
        return default

    def check(self) -> None:
        """Raise the collected field errors, if any."""
        if self.errors:
            raise InvalidInput(self.errors)


def control_amount(value: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """An amount given to a sandbox control: a positive number with at most 8 decimals.

    A Decimal, an int or numeric text; never a float.
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int, str)):
        raise Refused(
            f"{field} must be a decimal number (a string or a JSON number), got {value!r}"
        )
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Refused(f"{field} must be a decimal number, got {value!r}") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        kind = "zero or more" if allow_zero else "a positive number"
        raise Refused(f"{field} must be {kind}, got {value!r}")
    if _precision_error(number, MAX_DIGITS, PLACES):
        raise Refused(f"{field} must have at most {PLACES} decimals and {MAX_DIGITS} digits")
    return places(number)
