"""Valid model instances for property tests, derived from the models' own field types.

`models(cls)` builds instances of an attrs model from its annotations, so a field
added to a model is generated without touching the tests. Values are the ones
decoding can produce: finite Decimals with up to a dozen places and sane
exponents (`0E-8` and `1E+3` forms included), aware datetimes with microseconds,
enum members known and unknown, optional fields None or set, and, where a field
is a number or text, text only when it does not read as a number (the model's
invariant: decoding makes a number of anything that reads as one).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from common import OpenIntEnum, OpenStrEnum, to_decimal

__all__ = [
    "OFFSETS",
    "assert_plain_json",
    "decimals",
    "json_values",
    "models",
    "number_text",
]

UTC = timezone.utc
#: Zones a gateway timestamp may carry: UTC and whole-minute offsets either side.
OFFSETS: list[tzinfo] = [
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-5, minutes=-30)),
    timezone(timedelta(hours=14)),
]

#: Finite, up to 20 digits, exponents from -12 to +6: `0E-8`, `1E+3`, `-0.5`, `120`...
decimals = st.builds(
    lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
    st.integers(-(10**20), 10**20),
    st.integers(-12, 6),
)

short_text = st.text(max_size=12)


def _reads_as_number(text: str) -> bool:
    try:
        to_decimal(text)
    except ValueError:
        return False
    return True


#: Text that decoding keeps as text where a field is a number or text.
number_text = short_text.filter(lambda text: not _reads_as_number(text))

#: JSON values as a JSON parser gives them, minus numbers with a fraction.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | short_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short_text, inner, max_size=3),
    max_leaves=6,
)


def _enum_values(cls: type[enum.Enum]) -> st.SearchStrategy[Any]:
    known = st.sampled_from(list(cls))
    if issubclass(cls, OpenIntEnum):
        return known | st.integers(-3, 300).map(cls)
    if issubclass(cls, OpenStrEnum):
        codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=6)
        return known | codes.map(cls)
    return known


def _union(args: tuple[Any, ...], zones: list[tzinfo]) -> st.SearchStrategy[Any]:
    options: list[st.SearchStrategy[Any]] = []
    for arg in args:
        if arg is str and Decimal in args:
            options.append(number_text)  # a number in text form would decode as a number
        else:
            options.append(_values(arg, zones))
    return st.one_of(options)


def _values(tp: Any, zones: list[tzinfo]) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(tp), zones)
    if origin is list:
        (item,) = typing.get_args(tp)
        return st.lists(_values(item, zones), max_size=3)
    if origin is Mapping or tp is Mapping:
        return st.dictionaries(short_text, json_values, max_size=3)
    if tp is type(None):
        return st.none()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers(-(2**63), 2**63)
    if tp is str:
        return short_text
    if tp is Decimal:
        return decimals
    if tp is datetime:
        return st.datetimes(
            min_value=datetime(1970, 1, 2),
            max_value=datetime(2100, 1, 1),
            timezones=st.sampled_from(zones),
        )
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_values(tp)
    if attrs.has(tp):
        return models(tp, zones=zones)
    raise TypeError(f"no strategy for {tp!r}: teach tests/model_strategies.py about it")


def models(
    cls: type,
    *,
    zones: list[tzinfo] = OFFSETS,
    fields: Mapping[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[Any]:
    """Instances of the attrs model `cls`; `fields` replaces the strategy of some fields."""
    hints = typing.get_type_hints(cls)
    chosen = dict(fields or {})
    return st.builds(
        cls,
        **{
            field.name: chosen[field.name]
            if field.name in chosen
            else _values(hints[field.name], zones)
            for field in attrs.fields(cls)
        },
    )


def assert_plain_json(data: Any, where: str = "") -> None:
    """`data` holds only dict (with text keys), list, str, int, bool and None: no float."""
    if isinstance(data, dict):
        assert type(data) is dict, where
        for key, value in data.items():
            assert type(key) is str, f"{where}: key {key!r}"
            assert_plain_json(value, f"{where}.{key}")
    elif isinstance(data, list):
        assert type(data) is list, where
        for index, value in enumerate(data):
            assert_plain_json(value, f"{where}[{index}]")
    else:
        assert data is None or type(data) in (str, int, bool), f"{where}: {type(data).__name__}"
