"""What went wrong with a request that was sent, as the SDK's error: pure mappings.

`status_error` turns an answer that is not a success into its error (with the
outcome of a payment left unknown unless a 4xx refused it); `request_error`
turns a failure of the HTTP library into its error (a connect error only when
the request provably never left); `turn_error` a request that had no turn under
the rate limit in time, and so was never sent. No library message that could quote a header
value is repeated.
"""

from __future__ import annotations

import httpx

from ._clock import DEADLINE_MISS, DeadlineMiss
from ._errors import (
    AuthenticationError,
    ConnectError,
    DecodeError,
    NetworkError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    SDKError,
    TransportError,
)
from ._headers import InvalidHeader
from ._pacing import TurnTimeout
from ._rate_limit import RateLimit
from ._responses import error_from_response, signature_window_error

__all__ = ["request_error", "status_error", "turn_error"]

# Failures that happen before a single byte of the request is written.
_NEVER_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.ProxyError,
)


def status_error(response: httpx.Response, *, idempotent: bool, hint: str | None) -> SDKError:
    """The SDK error for a response that is not a success, after a request that went out.

    Only a 4xx says the request was refused: after a 3xx (a 303 answers a POST that
    was carried out; redirects are never followed), a 5xx or a status no standard
    defines, a request that is not idempotent may have taken effect. A refusal its
    auth proved to be down to the timing of a signed deadline becomes a
    `SignatureWindowError`, which is resent: the server did not act.
    """
    unknown = not idempotent and not 400 <= response.status_code < 500
    error = error_from_response(response, outcome_unknown=unknown, hint=hint)
    miss = response.extensions.get(DEADLINE_MISS)
    if isinstance(miss, DeadlineMiss) and isinstance(
        error, (AuthenticationError, PermissionDeniedError)
    ):
        return signature_window_error(error, miss)
    return error


def request_error(
    exc: httpx.RequestError, request: httpx.Request, *, idempotent: bool, hint: str | None
) -> TransportError | DecodeError:
    method, url = request.method, str(request.url)
    if isinstance(exc, httpx.DecodingError):
        return DecodeError(
            f"{method} {url}: the response body could not be decoded ({type(exc).__name__}: {exc})",
            text="",
            method=method,
            url=url,
            outcome_unknown=not idempotent,
            hint=hint,
        )
    if isinstance(exc, httpx.LocalProtocolError):
        return _unwritable(exc, method, url)
    if isinstance(exc, _NEVER_SENT):
        return ConnectError(
            f"{method} {url}: could not connect ({type(exc).__name__}: {exc}); "
            "the request was not sent",
            method=method,
            url=url,
        )
    cls: type[TransportError] = (
        RequestTimeout if isinstance(exc, httpx.TimeoutException) else NetworkError
    )
    what = "no response in time" if cls is RequestTimeout else "the connection broke"
    return cls(
        f"{method} {url}: {what} ({type(exc).__name__}: {exc})",
        method=method,
        url=url,
        may_have_reached_server=True,
        outcome_unknown=not idempotent,
        hint=hint,
    )


def turn_error(
    exc: TurnTimeout, request: httpx.Request, limit: RateLimit | None, pool: float | None
) -> SDKError:
    """The error for a request that had no turn in time, and so was not sent.

    Held by a pause after a 429: a RateLimitError with the pause's `retry_after`
    (the retry policy treats it as the 429 itself), but `may_have_reached_server`
    False. Else a ConnectError, as for a connection the pool could not give in time.
    """
    method, url = request.method, str(request.url)
    if exc.paused_for is not None:
        error = RateLimitError(
            f"{method} {url} was not sent: requests are paused for {exc.paused_for:.2f}s more "
            "after a 429 (Retry-After)",
            retry_after=exc.paused_for,
            status_code=429,
            body=None,
            text="",
            method=method,
            url=url,
        )
        error.may_have_reached_server = False
        return error
    return ConnectError(
        f"{method} {url}: no turn under the rate limit ({limit}) within the pool timeout "
        f"({pool}s); the request was not sent",
        method=method,
        url=url,
    )


def _unwritable(exc: httpx.LocalProtocolError, method: str, url: str) -> TransportError:
    """The error for a request the HTTP library refused to write, without its text.

    That text quotes what it refused: a header value, that is a key, a signature
    or a token. Only the SDK's own `InvalidHeader` is repeated: it names the
    header, not its value. Nothing was sent: h11 checks the headers before a byte
    goes out, aiohttp as it serialises them, and the SDK always sends a body of
    the length it declares.
    """
    if isinstance(exc, InvalidHeader):
        detail = str(exc)
    else:  # h11's or aiohttp's refusal: its text may quote the header
        detail = f"{type(exc).__name__}, a header or the framing HTTP does not allow"
    return TransportError(
        f"{method} {url}: the request was refused before it was sent ({detail})",
        method=method,
        url=url,
    )
