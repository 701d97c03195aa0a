"""What the callback routes answer when confirming fails on the API's side: always a 5xx."""

from __future__ import annotations

import pytest

from bitexgate import (
    AuthenticationError,
    ConnectError,
    DecodeError,
    InternalServerError,
    NetworkError,
    RateLimitError,
    RequestTimeout,
    SDKError,
    ServiceUnavailableError,
)
from bitexgate.fastapi._answers import Answer, confirm_failure, is_transient, not_confirmed


def status_error(cls: type[SDKError], status: int, **extra: object) -> SDKError:
    return cls("failed", status_code=status, body=None, text="", **extra)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("refused"),
        RequestTimeout("no answer"),
        NetworkError("broke"),
        status_error(ServiceUnavailableError, 503),
        status_error(InternalServerError, 500),
        status_error(RateLimitError, 429),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_failure_that_may_pass_is_503(error: SDKError) -> None:
    assert is_transient(error)
    answer = confirm_failure(error)
    assert answer.status_code == 503
    assert answer.headers() == {}


def test_a_rate_limit_passes_its_wait_on_in_whole_seconds() -> None:
    answer = confirm_failure(status_error(RateLimitError, 429, retry_after=2.2))
    assert (answer.status_code, answer.headers()) == (503, {"Retry-After": "3"})
    answer = confirm_failure(status_error(RateLimitError, 429, retry_after=0.0))
    assert answer.headers() == {"Retry-After": "1"}


@pytest.mark.parametrize(
    "error",
    [status_error(AuthenticationError, 401), DecodeError("not JSON", text="<html>")],
    ids=lambda e: type(e).__name__,
)
def test_a_failure_that_will_not_pass_by_itself_is_500(error: SDKError) -> None:
    assert not is_transient(error)
    assert confirm_failure(error) == Answer(
        500, "the callback could not be confirmed; deliver it again later"
    )


def test_an_unconfirmed_callback_is_422_and_tells_nothing_of_the_apis_records() -> None:
    assert not_confirmed("withdrawal") == Answer(
        422, "the API does not confirm this withdrawal callback"
    )
