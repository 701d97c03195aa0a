"""The cattrs converter factory: money as Decimal, ISO datetimes, tolerant enums."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs
from cattrs.strategies import configure_union_passthrough

__all__ = [
    "make_converter",
    "parse_datetime",
    "to_bool",
    "to_decimal",
    "to_int",
]

_ISO_DATETIME = re.compile(
    r"""
    (?P<date>\d{4}-\d{2}-\d{2})
    [T\x20]
    (?P<time>\d{2}:\d{2}(?::\d{2})?)
    (?:[.,](?P<fraction>\d+))?
    (?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?
    """,
    re.VERBOSE,
)


def to_decimal(value: Any) -> Decimal:
    """An exact Decimal from what an API sends for an amount.

    Strings and integers are taken as they are. A float (a JSON number with a
    fraction, when a body was parsed without `parse_float=Decimal`) goes through
    its shortest `repr`, so `0.1` gives `Decimal("0.1")`, not the binary noise.
    Booleans, NaN and infinities are refused.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"expected a decimal number, got a boolean: {value!r}")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a decimal number, got {value!r}") from None
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}: {value!r}")
    if not result.is_finite():
        raise ValueError(f"expected a finite decimal number, got {value!r}")
    return result


def to_int(value: Any) -> int:
    """An integer from a JSON number or numeric text; never truncates a fraction."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got a boolean: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def to_bool(value: Any) -> bool:
    """A boolean from JSON `true`/`false`, `0`/`1`, or their text forms."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _BOOL_TEXT:
        return _BOOL_TEXT[value.strip().lower()]
    raise ValueError(f"expected a boolean, got {value!r}")


_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}


def parse_datetime(value: Any) -> datetime:
    """A datetime from ISO 8601 text, on every supported Python.

    Accepts a `Z` suffix, `+hh:mm`, `+hhmm` and `+hh` offsets, a space instead of
    `T`, and fractions of any length (cut to microseconds). Text without a zone
    gives a naive datetime: the caller decides what zone it means.
    """
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 datetime string, got {value!r}")
    match = _ISO_DATETIME.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"expected an ISO 8601 datetime, got {value!r}")
    time_part = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{time_part}.{fraction}")
    except ValueError as exc:
        raise ValueError(f"expected an ISO 8601 datetime, got {value!r}: {exc}") from None
    zone = match["zone"]
    if zone is None:
        return parsed
    if zone in ("Z", "z"):
        return parsed.replace(tzinfo=timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"expected a UTC offset within a day, got {value!r}")
    offset = timedelta(hours=hours, minutes=minutes)
    return parsed.replace(tzinfo=timezone(sign * offset))


def _structure_int(value: Any, cl: type[int]) -> int:
    return to_int(value) if cl is int else cl(value)


def make_converter(*, strict: bool = False, detailed_validation: bool = True) -> cattrs.Converter:
    """A converter for the SDK's attrs models.

    `strict=True` refuses keys the models do not know: the test suite decodes
    recorded samples with it so a drift between the models and the reference is
    caught. Production converters tolerate new keys, as servers add fields.
    """
    converter = cattrs.Converter(forbid_extra_keys=strict, detailed_validation=detailed_validation)
    converter.register_structure_hook(Decimal, lambda value, _: to_decimal(value))
    converter.register_unstructure_hook(Decimal, str)
    # cattrs' own singledispatch hooks for int (and so bool) take precedence over any
    # predicate hook, so these must be singledispatch hooks too. The int one also
    # receives int subclasses (IntEnums): those are built by their own constructor.
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, lambda value, _: to_bool(value))
    converter.register_structure_hook(datetime, lambda value, _: parse_datetime(value))
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    configure_union_passthrough(str | int | bool | None, converter)
    return converter
