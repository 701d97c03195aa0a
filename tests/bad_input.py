"""Bad numbers for the table-driven validation tests, and a transport that must stay idle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from common import ValidationError
from common._validation import MAX_SECONDS, shown

NAN = float("nan")
INF = float("inf")
#: Longer than Python writes out as text (4300 digits).
HUGE = 10**5000


class Idle(httpx.MockTransport):
    """A transport that fails the test if anything is sent through it."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        super().__init__(self._refuse)

    def _refuse(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        raise AssertionError(f"nothing may be sent, but {request.method} {request.url} was")


#: Checks `value` somewhere (a constructor, a call) with `transport` as the only way out.
Attempt = Callable[[Any, Idle], Awaitable[object]]


def bad_seconds(maximum: float, *, zero_ok: bool = False) -> list[Any]:
    """Values a number of seconds from 0 (or above 0) to `maximum` must refuse."""
    values: list[Any] = [NAN, INF, -INF, -1, True, HUGE, maximum + 0.001, "5"]
    return values if zero_ok else [*values, 0, 0.0]


def bad_whole_numbers(minimum: int, maximum: int) -> list[Any]:
    """Values a whole number from `minimum` to `maximum` must refuse."""
    values: list[Any] = [NAN, INF, -1, True, False, HUGE, -HUGE, maximum + 1, 2.0, "5"]
    return values if minimum <= 0 else [*values, 0]


#: Values a timeout (seconds or an httpx.Timeout, each part above 0 and at most a day) refuses.
BAD_TIMEOUTS: list[Any] = [
    *bad_seconds(MAX_SECONDS),
    httpx.Timeout(NAN),
    httpx.Timeout(5.0, connect=INF),
    httpx.Timeout(5.0, read=0.0),
    httpx.Timeout(5.0, write=-1.0),
    httpx.Timeout(5.0, pool=MAX_SECONDS + 1),
    httpx.Timeout(5.0, pool=True),
]


def _shown_timeout(value: Any) -> str:
    if isinstance(value, httpx.Timeout):
        return "Timeout(" + ",".join(str(part) for part in value.as_dict().values()) + ")"
    return shown(value)


def cases(name: str, field: str, attempt: Attempt, values: list[Any]) -> list[Any]:
    """One pytest param per value: (attempt, value, field), with a readable id."""
    return [
        pytest.param(attempt, value, field, id=f"{name}={_shown_timeout(value)}")
        for value in values
    ]


async def assert_refused(attempt: Attempt, value: Any, field: str) -> None:
    """`attempt` raises ValidationError naming `field`, and sends nothing."""
    transport = Idle()
    with pytest.raises(ValidationError) as caught:
        await attempt(value, transport)
    assert caught.value.field == field
    assert caught.value.rule
    assert len(str(caught.value)) < 400
    assert transport.requests == []
