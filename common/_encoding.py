"""Request bodies serialised once, exactly, as the APIs' reference clients write them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = ["encode_json"]

#: `encode_json` refuses a Decimal whose exponent (in scientific notation) is beyond
#: +-this rather than write out that many zeros (a gigabyte for 1E+999999999).
#: Validated amounts stay far inside it (see common._validation.MAX_EXPONENT).
_MAX_JSON_EXPONENT = 1000


def encode_json(value: Any) -> bytes:
    """Serialise a request body once, exactly as the APIs' reference clients do.

    The text matches `json.dumps(value)` (ASCII only, `", "` and `": "` separators),
    except that a `Decimal` is written as the exact JSON number it holds. A float
    is refused: it cannot hold an amount exactly.
    """
    return _encode(value).encode("ascii")


def _encode(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send a non-finite number: {value}")
        if abs(value.adjusted()) > _MAX_JSON_EXPONENT:  # checked before it is written out
            raise ValueError(f"cannot send {value}: its exponent is beyond +-{_MAX_JSON_EXPONENT}")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("refusing to serialise a float; pass a Decimal or a str")
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(key))}: {_encode(inner)}" for key, inner in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_encode(inner) for inner in value) + "]"
    if value is None or isinstance(value, (str, int, bool)):
        return json.dumps(value)
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")
