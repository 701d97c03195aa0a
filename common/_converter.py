"""The cattrs converter factory: money as Decimal, ISO datetimes, tolerant enums."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs
from cattrs.strategies import configure_union_passthrough

from ._fastpath import DECIMAL_EXPONENT_LIMIT, FAST_DATETIME, install_fast_structuring
from ._to_dict import decimal_text

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
    Booleans, NaN, infinities and exponents beyond +-DECIMAL_EXPONENT_LIMIT are refused.
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
    if not -DECIMAL_EXPONENT_LIMIT <= result.adjusted() <= DECIMAL_EXPONENT_LIMIT:
        raise ValueError(
            f"expected a decimal number with an exponent within +-{DECIMAL_EXPONENT_LIMIT}"
        )
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


_UTC = timezone.utc
_fromisoformat = datetime.fromisoformat
#: `datetime.fromisoformat` reads a `Z` suffix from Python 3.11 on.
_READS_Z = sys.version_info >= (3, 11)
#: Lengths of `YYYY-MM-DDTHH:MM:SS` with no fraction, 3 or 6 fraction digits, with no zone.
_NAIVE_LENGTHS = frozenset({19, 23, 26})
#: The same followed by `Z`.
_UTC_LENGTHS = frozenset({20, 24, 27})


def wall_time_to_utc(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time in `zone`; `wall` is that time labelled UTC.

    What `wall.replace(tzinfo=zone).astimezone(timezone.utc)` gives, several times
    quicker: `zone.utcoffset()` is asked about `wall` itself, and reads only its
    fields and `fold` (as zoneinfo, `datetime.timezone` and dateutil zones do). A
    time that occurs twice (the hour repeated when clocks go back) is taken as
    its first occurrence, one that never occurs (skipped when they go forward)
    with the offset from before the change.
    """
    if zone is _UTC:
        return wall
    offset = zone.utcoffset(wall)
    if offset is None:
        raise ValueError(f"the time zone {zone!r} gives no UTC offset for {wall:%Y-%m-%dT%H:%M}")
    return wall - offset


def parse_common_datetime(value: str, *, naive_zone: tzinfo | None = None) -> datetime | None:
    """The two shapes the APIs send, read by the C parser; None for anything else.

    `YYYY-MM-DDTHH:MM:SS` with no fraction or 3 or 6 fraction digits, either with
    no zone or with `Z`: the separators are checked here and every digit by
    `fromisoformat`, so what this returns is what `parse_datetime` returns. Text
    without a zone gives a naive datetime, or, with `naive_zone`, the UTC instant
    of that wall-clock time in that zone (`wall_time_to_utc`). The hooks call
    this first: it is several times quicker than the general parser.
    """
    size = len(value)
    if (
        size < 19
        or value[4] != "-"
        or value[7] != "-"
        or value[10] != "T"
        or value[13] != ":"
        or value[16] != ":"
        or (size > 20 and value[19] != ".")
    ):
        return None
    try:
        if size in _NAIVE_LENGTHS:
            if naive_zone is None:
                parsed = _fromisoformat(value)
                return parsed if parsed.tzinfo is None else None
            wall = parse_common_datetime(value + "Z")  # the wall-clock time, labelled UTC
            return None if wall is None else wall_time_to_utc(wall, naive_zone)
        if size not in _UTC_LENGTHS or value[-1] != "Z":
            return None
        if _READS_Z:
            parsed = _fromisoformat(value)
            return parsed if parsed.tzinfo is _UTC else None
        parsed = _fromisoformat(value[:-1])
        return parsed.replace(tzinfo=_UTC) if parsed.tzinfo is None else None
    except ValueError:
        return None


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


def _structure_decimal(value: Any, _: Any) -> Decimal:
    # The fast path inlines this hook for text (see _fastpath): keep the two in step.
    return to_decimal(value)


def _structure_bool(value: Any, _: Any) -> bool:
    return to_bool(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    if value.__class__ is str:
        parsed = parse_common_datetime(value)
        if parsed is not None:
            return parsed
    return parse_datetime(value)


setattr(_structure_datetime, FAST_DATETIME, None)  # a marker for the fast path: naive stays naive


def make_converter(*, strict: bool = False, detailed_validation: bool = True) -> cattrs.Converter:
    """A converter for the SDK's attrs models.

    `strict=True` refuses keys the models do not know: the test suite decodes
    recorded samples with it so a drift between the models and the reference is
    caught. Production converters tolerate new keys, as servers add fields.

    Models are structured by fast functions that fall back on cattrs' own
    (`detailed_validation` applies to those): the result and the errors are
    cattrs', only quicker to reach for well-formed data.
    """
    converter = cattrs.Converter(forbid_extra_keys=strict, detailed_validation=detailed_validation)
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_unstructure_hook(Decimal, decimal_text)  # "0.00000000", not "0E-8"
    # cattrs' own singledispatch hooks for int (and so bool) take precedence over any
    # predicate hook, so these must be singledispatch hooks too. The int one also
    # receives int subclasses (IntEnums): those are built by their own constructor.
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    configure_union_passthrough(str | int | bool | None, converter)
    install_fast_structuring(converter, decimal_hook=_structure_decimal)
    return converter
