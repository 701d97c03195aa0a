"""When to retry a failed request, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from ._errors import (
    APIStatusError,
    ConnectError,
    NetworkError,
    RateLimitError,
    RequestTimeout,
    SDKError,
    SharedStoreError,
    SignatureWindowError,
)
from ._validation import MAX_RETRIES, fraction, seconds, whole_number

__all__ = ["RetryPolicy"]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def _retries(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    whole_number(attribute.name, value, minimum=0, maximum=MAX_RETRIES)


def _wait(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    seconds(attribute.name, value, allow_zero=True)


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    fraction(attribute.name, value)


@attrs.frozen
class RetryPolicy:
    """How many times, and after how long, a failed request is sent again.

    Reads (GET) are retried on connection errors, timeouts, broken connections and
    the statuses 429, 500, 502, 503 and 504. Requests that create something (a
    withdrawal, an invoice, an order, a token) are retried only when they provably
    never left: a failed connection, or a rate limiter's Redis that failed first.

    The wait grows exponentially from `initial_delay` up to `max_delay`, less a
    random share of up to `jitter` of it, so many clients do not retry in step. A
    429's `Retry-After` is honoured as given when it is at most `max_retry_after`;
    a longer one is not waited out: the RateLimitError is raised with `retry_after`
    set, for the caller to schedule.

    `max_retries` is 0 to 100; the waits are seconds from 0 to a day (86400);
    `jitter` is 0 to 1. Anything else raises ValidationError.
    """

    max_retries: int = attrs.field(default=2, validator=_retries)
    initial_delay: float = attrs.field(default=0.5, validator=_wait)
    max_delay: float = attrs.field(default=8.0, validator=_wait)
    max_retry_after: float = attrs.field(default=60.0, validator=_wait)
    jitter: float = attrs.field(default=0.25, validator=_fraction)

    def should_retry(self, error: SDKError, *, attempt: int, idempotent: bool) -> bool:
        """Whether the failed attempt number `attempt` (0-based) is sent again."""
        if attempt >= self.max_retries:
            return False
        if isinstance(error, (ConnectError, SignatureWindowError, SharedStoreError)):
            return True  # never left, or refused unread: sending it again cannot duplicate it
        if not idempotent:
            return False
        if isinstance(error, RateLimitError):
            return error.retry_after is None or error.retry_after <= self.max_retry_after
        if isinstance(error, APIStatusError):
            return error.status_code in RETRYABLE_STATUSES
        # Not a request refused before it was sent (a header HTTP forbids): it would be again.
        return isinstance(error, (RequestTimeout, NetworkError))

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        error: SDKError | None = None,
        random_fraction: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number `attempt + 1` (none after a refused deadline)."""
        if isinstance(error, SignatureWindowError):
            return 0.0  # a fresh signature is all it needs; the in-flight cap paces it
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        backoff = min(self.max_delay, self.initial_delay * (2.0**attempt))
        return backoff * (1.0 - self.jitter * random_fraction())
