"""Argument types: what a flag's text may be, and the value it becomes."""

from __future__ import annotations

import argparse
import enum
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from .._errors import ValidationError
from .._validation import decimal_value

__all__ = [
    "columns_arg",
    "decimal_arg",
    "enum_arg",
    "enum_choices",
    "non_negative_int_arg",
    "port_arg",
    "positive_float_arg",
    "positive_int_arg",
]

_MAX_PORT = 65535

E = TypeVar("E", bound=enum.Enum)


def decimal_arg(text: str) -> Decimal:
    """An exact decimal number (`120`, `0.5`), as the SDK takes one; argparse names the flag."""
    try:
        return decimal_value("value", text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.rule) from None


def _whole_number(text: str, *, least: int, rule: str) -> int:
    """`text` as an int of at least `least`; else the error `rule` (with `{}` for the value)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(rule.format(value))
    return value


def positive_int_arg(text: str) -> int:
    """An int >= 1."""
    return _whole_number(text, least=1, rule="must be at least 1, got {}")


def non_negative_int_arg(text: str) -> int:
    """An int >= 0."""
    return _whole_number(text, least=0, rule="must not be negative, got {}")


def port_arg(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    value = non_negative_int_arg(text)
    if value > _MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_PORT}, got {value}")
    return value


def columns_arg(text: str) -> tuple[str, ...]:
    """Column names separated by commas (`id,status,amount`), or `all`."""
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    if not names:
        raise argparse.ArgumentTypeError("expected column names separated by commas, or all")
    if "all" in names and len(names) > 1:
        raise argparse.ArgumentTypeError("all stands alone: every column")
    return names


def positive_float_arg(text: str) -> float:
    """A number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def enum_choices(enum_cls: type[enum.Enum]) -> str:
    """The members of `enum_cls` as help text: `PENDING (1), CONFIRMED (5)` or `BUY, SELL`."""
    if issubclass(enum_cls, int):
        return ", ".join(f"{m.name} ({m.value})" for m in enum_cls)
    return ", ".join(m.name for m in enum_cls)


def enum_arg(enum_cls: type[E]) -> Callable[[str], E]:
    """An argument type for a code table: a member's name (any case) or value.

    The SDK's enums keep codes the documentation does not list, so a value that
    is not listed (a number for an int table, any text for a text table) is
    passed on and the server decides.
    """

    def parse(text: str) -> E:
        wanted = text.strip()
        for member in enum_cls:
            if wanted.lower() in (member.name.lower(), str(member.value).lower()):
                return member
        try:
            if issubclass(enum_cls, int):
                return enum_cls(int(wanted))
            if wanted:
                return enum_cls(wanted)
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(
            f"expected one of {enum_choices(enum_cls)}, got {text!r}"
        ) from None

    parse.__name__ = enum_cls.__name__
    return parse
