"""A rate limit as a value: so many requests per so many seconds, written as code or as text.

`RateLimit(20)` is 20 requests a second, `RateLimit(100, per=60)` 100 a minute;
`RateLimit.parse("20/second")` reads the notation of the `limits` library
(`"20 per second"`, `"100/10 seconds"`, `"5 per minute"`, `"1000/day"`). The
period is a whole number of seconds: the Redis limiter keeps its window in
whole seconds (as `limits` does), and a limit must mean the same on both kinds
of limiter, so moving a service from one process to several changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from ._errors import ValidationError
from ._validation import shown, whole_number

__all__ = ["MAX_AMOUNT", "MAX_PERIOD", "RateLimit", "rate_limit_value"]

#: The most requests a limit may allow in its period: the limiter keeps one time per
#: request of the period, in memory or in a Redis list.
MAX_AMOUNT = 100_000
#: The longest period, in seconds: a day.
MAX_PERIOD = 86_400

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}
_NOTATION = re.compile(
    r"\s*(?P<amount>[0-9]+)\s*(?:/|\s+per\s+)\s*(?P<multiple>[0-9]+)?\s*"
    r"(?P<unit>second|minute|hour|day)s?\s*",
    re.IGNORECASE,
)


def _period(value: Any) -> int:
    """Seconds as an int: an int, or a float that is a whole number (1.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return whole_number("per", value, minimum=1, maximum=MAX_PERIOD)


def _amount(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    whole_number("amount", value, minimum=1, maximum=MAX_AMOUNT)


@attrs.frozen
class RateLimit:
    """At most `amount` requests in any `per` seconds (a whole number, 1 to 86400).

    The window slides: whatever moment you start counting from, no `per`
    seconds hold more than `amount` requests, so a server that counts by the
    clock's seconds (or minutes) sees no more either. A burst of up to `amount`
    goes at once; the next request waits until the oldest of the window is
    `per` seconds old.
    """

    amount: int = attrs.field(validator=_amount)
    per: int = attrs.field(default=1, converter=_period)

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """A limit from its text: `"20/second"`, `"20 per second"`, `"100/10 seconds"`.

        The units are second, minute, hour and day (singular or plural, any case).
        Anything else raises ValidationError.
        """
        match = _NOTATION.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError(
                "rate_limit",
                'must read like "20/second", "20 per second" or "100/10 seconds" '
                f"(second, minute, hour or day), got {shown(text)}",
            )
        multiple = int(match["multiple"] or 1)
        per = multiple * _UNITS[match["unit"].lower()]
        if not 1 <= per <= MAX_PERIOD:
            raise ValidationError("rate_limit", f"the period must be 1 s to a day, got {text!r}")
        return cls(int(match["amount"]), per=per)

    def __str__(self) -> str:
        for unit, seconds in reversed(_UNITS.items()):
            if self.per == seconds:
                return f"{self.amount} per {unit}"
        return f"{self.amount} per {self.per} seconds"


def rate_limit_value(value: RateLimit | str) -> RateLimit:
    """A `RateLimit`, or one read from its text; anything else raises ValidationError."""
    if isinstance(value, RateLimit):
        return value
    if isinstance(value, str):
        return RateLimit.parse(value)
    raise ValidationError(
        "rate_limit", f'must be a RateLimit or text like "20/second", got {shown(value)}'
    )
