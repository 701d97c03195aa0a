"""RetryPolicy: which failures are sent again, and how long to wait first."""

from __future__ import annotations

import httpx
import pytest

from common import (
    APIStatusError,
    ConnectError,
    NetworkError,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    SDKError,
    TransportError,
    ValidationError,
    error_from_response,
)


def status_error(status: int, headers: dict[str, str] | None = None) -> APIStatusError:
    request = httpx.Request("GET", "https://api.example.com/x")
    return error_from_response(httpx.Response(status, headers=headers, request=request))


@pytest.mark.parametrize(
    ("error", "on_get", "on_post"),
    [
        (ConnectError("could not connect"), True, True),
        (RequestTimeout("no answer", may_have_reached_server=True), True, False),
        (NetworkError("broken", may_have_reached_server=True), True, False),
        (status_error(429), True, False),
        (status_error(500), True, False),
        (status_error(502), True, False),
        (status_error(503), True, False),
        (status_error(504), True, False),
        (status_error(501), False, False),
        (status_error(400), False, False),
        (status_error(401), False, False),
        (status_error(403), False, False),
        (status_error(404), False, False),
        (status_error(302), False, False),
        (ValidationError("amount", "must be positive"), False, False),
        (TransportError("refused before it was sent"), False, False),
    ],
    ids=lambda value: (
        f"{type(value).__name__}-{getattr(value, 'status_code', '')}"
        if isinstance(value, SDKError)
        else str(value)
    ),
)
def test_should_retry_truth_table(error: SDKError, on_get: bool, on_post: bool) -> None:
    policy = RetryPolicy()
    assert policy.should_retry(error, attempt=0, idempotent=True) is on_get
    assert policy.should_retry(error, attempt=0, idempotent=False) is on_post


@pytest.mark.parametrize(
    "error", [ConnectError("x"), status_error(502), RequestTimeout("x")], ids=str
)
def test_should_retry_stops_at_max_retries(error: SDKError) -> None:
    policy = RetryPolicy(max_retries=3)
    assert [policy.should_retry(error, attempt=n, idempotent=True) for n in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_max_retries_zero_never_retries() -> None:
    policy = RetryPolicy(max_retries=0)
    assert not policy.should_retry(ConnectError("x"), attempt=0, idempotent=True)
    assert not policy.should_retry(status_error(503), attempt=0, idempotent=True)


def test_rate_limit_retried_when_retry_after_is_within_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=60)
    error = status_error(429, {"Retry-After": "60"})
    assert isinstance(error, RateLimitError)
    assert policy.should_retry(error, attempt=0, idempotent=True)


def test_rate_limit_not_retried_when_retry_after_exceeds_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=60)
    error = status_error(429, {"Retry-After": "61"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 61.0
    assert not policy.should_retry(error, attempt=0, idempotent=True)


def test_delay_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0)
    assert [policy.delay(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_delay_jitter_bounds() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, jitter=0.25)
    assert policy.delay(2, random_fraction=lambda: 0.0) == 4.0
    assert policy.delay(2, random_fraction=lambda: 1.0) == 3.0
    assert policy.delay(2, random_fraction=lambda: 0.5) == 3.5


def test_full_jitter_can_reach_zero() -> None:
    policy = RetryPolicy(initial_delay=1.0, jitter=1.0)
    assert policy.delay(0, random_fraction=lambda: 1.0) == 0.0


def test_delay_with_default_random_stays_in_bounds() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, jitter=0.25)
    for attempt in range(6):
        backoff = min(8.0, 2.0**attempt)
        assert 0.75 * backoff <= policy.delay(attempt) <= backoff


def test_retry_after_is_honoured_as_given() -> None:
    policy = RetryPolicy(jitter=0.25)
    assert policy.delay(0, retry_after=3.0, random_fraction=lambda: 1.0) == 3.0
    assert policy.delay(5, retry_after=0.0) == 0.0


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert policy.delay(0, retry_after=120.0) == 10.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_delay": -0.1},
        {"max_delay": -1},
        {"max_retry_after": -1},
        {"max_retries": -1},
        {"jitter": 1.5},
        {"jitter": -0.1},
    ],
)
def test_invalid_policy_values_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_defaults() -> None:
    policy = RetryPolicy()
    assert policy.max_retries == 2
    assert 0 <= policy.jitter <= 1
    assert policy.initial_delay <= policy.max_delay
