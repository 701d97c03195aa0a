"""Enums that keep values the documentation never listed.

A payment API adds a status code long before its documentation does. Decoding
such a response must not fail: the unknown code becomes a member of the enum
named `UNKNOWN_<value>`, with `is_known` False, and compares equal to its value
like any other member.
"""

from __future__ import annotations

import enum
import threading
from typing import Any, TypeVar

__all__ = ["OpenIntEnum", "OpenStrEnum"]

_E = TypeVar("_E", bound=enum.Enum)
_lock = threading.Lock()


def _pseudo_member(cls: type[_E], value: Any, base: Any) -> _E:
    with _lock:
        known = cls._value2member_map_.get(value)
        if known is not None:
            return known  # type: ignore[return-value]
        member: Any = base.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        cls._value2member_map_[value] = member
        return member  # type: ignore[no-any-return]


class _OpenIntEnumType(enum.EnumMeta):
    """Refuses a bool before the value lookup, where `True` would find the member 1."""

    def __call__(cls, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) and not args and not kwargs:
            raise ValueError(f"{value!r} is not a valid {cls.__qualname__}")
        return super().__call__(value, *args, **kwargs)


class OpenIntEnum(enum.IntEnum, metaclass=_OpenIntEnumType):
    """An IntEnum that accepts numeric text ("5") and keeps unknown codes."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("+-").isdigit():
                return cls(int(text))
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return _pseudo_member(cls, value, int)

    @property
    def is_known(self) -> bool:
        """Whether the value is one the documentation lists."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


class OpenStrEnum(str, enum.Enum):
    """A str Enum that keeps unknown values."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        return _pseudo_member(cls, value, str)

    @property
    def is_known(self) -> bool:
        """Whether the value is one the documentation lists."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)
