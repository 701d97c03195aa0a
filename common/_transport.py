"""The one place requests are sent: base URL, timeouts, retries and error mapping."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import attrs
import httpx

from ._clock import DEADLINE_MISS
from ._encoding import encode_json
from ._errors import RateLimitError, SDKError, SharedStoreError
from ._failures import request_error, status_error, turn_error
from ._headers import CheckedAuth, invalid_header
from ._lifetime import AsyncResource
from ._limiter import ConcurrencyLimit
from ._pacing import LocalRateLimiter, PauseOnly, PauseTicket, RateLimiter, TurnTimeout
from ._rate_limit import RateLimit
from ._retry import RetryPolicy
from ._validation import MAX_IN_FLIGHT, timeout_value, whole_number

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "Transport",
    "TimeoutTypes",
]

#: Connect quickly or fail; allow a slow answer.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Up to 100 connections, for a service with many calls in flight; 20 of them kept idle
#: (5 s) for reuse. Not more idle ones, on purpose: httpcore 1.0.9's pool gives the same
#: idle connection to several requests that arrive together (50 at once used 6 of 20
#: idle connections), and with 100 idle ones such a pile-up lasted until they expired
#: (95 req/s for 5 s on loopback, ~900 with 20; see benchmarks/README.md).
#: `fast_transport()` uses the same limits and keeps every connection it opens.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

TimeoutTypes = float | httpx.Timeout

#: Paths whose parsed URL is kept: every endpoint's, with room for a few hundred more.
_MAX_CACHED_URLS = 512


_NO_AUTH = httpx.Auth()  # a flow that adds nothing: for calls that must not carry credentials


class Transport(AsyncResource):
    """Sends requests to one base URL over an `httpx.AsyncClient`, with retries.

    Give it an `http_client` to share a connection pool (a FastAPI app's client,
    say) or a `transport` to run against something other than the network (tests,
    an in-process server). A client it did not create is never closed by it.

    Paths are always joined to `base_url`; an absolute URL is refused, and
    redirects are never followed, so credentials cannot reach another host.

    `max_in_flight` caps the requests on the wire at once; the others wait (at
    most the pool timeout), in order of arrival, before their auth flow runs. Set
    it to the pool's size when a signature carries a deadline, so no request is
    signed and then left waiting for a connection until the deadline passes. With
    `latency_target` (seconds) as well, the cap adapts below `max_in_flight` so
    that answers keep arriving within that time: it starts low and doubles while
    answers are prompt, shrinks when an answer waits longer than the target (or
    the server says it is overloaded), then grows by about one request a round; a
    server that serves a burst slowly is not sent more than it answers in time.

    `rate_limit` paces requests: a `RateLimit` or its text (`"20/second"`) for a
    `LocalRateLimiter`, or a limiter to share (`RedisRateLimiter`: with other
    processes). Each attempt waits its turn in order, after its place under
    `max_in_flight` and before its auth flow, at most the pool timeout in all.
    A 429 with `Retry-After` pauses every request of this transport (and of the
    processes sharing the limiter) until then, with or without a rate limit:
    one 429, not one per task. The request that got it is retried as the retry
    policy says; the others wait, or, when the pause outlasts their pool
    timeout, fail at once, unsent, with a `RateLimitError` giving `retry_after`.
    Under a rate limit, `prepare` (if given) is awaited before each turn is
    taken: Bity's auth refreshes a due token then, so that no request takes a
    turn and then waits for a refresh (going out later than it was counted).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        logger: logging.Logger | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_in_flight: int | None = None,
        latency_target: float | None = None,
        rate_limit: RateLimit | str | RateLimiter | None = None,
        prepare: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
        if url.userinfo:
            raise ValueError("base_url must not carry credentials (user:password@)")
        if url.query or url.fragment:
            raise ValueError(f"base_url must not carry a query or fragment, got {base_url!r}")
        if http_client is not None and transport is not None:
            raise ValueError("pass either http_client or transport, not both")
        if max_in_flight is not None:
            whole_number("max_in_flight", max_in_flight, minimum=1, maximum=MAX_IN_FLIGHT)
        if latency_target is not None and max_in_flight is None:
            raise ValueError("latency_target adapts max_in_flight: set max_in_flight too")
        problem = invalid_header(httpx.Headers(headers or {}))
        if problem is not None:
            raise ValueError(f"headers: {problem}")
        self._base_url = str(url).rstrip("/")
        # Its requests' headers are checked before httpx's transport sees, and quotes, them.
        self._auth = CheckedAuth(auth) if auth is not None else None
        self._prepare = prepare
        self._timeout = timeout_value("timeout", timeout)
        self._retry = retry if retry is not None else RetryPolicy()
        self._headers = dict(headers or {})
        self._request_headers = {"Accept": "application/json", **self._headers}
        self._urls: dict[str, httpx.URL] = {}  # path -> its parsed URL (see _url)
        self._logger = logger or logging.getLogger("common.transport")
        self._sleep = sleep
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            transport=transport, timeout=self._timeout, limits=DEFAULT_LIMITS
        )
        # Requests beyond this many wait here, before the auth flow runs, rather than
        # in the pool after it: a signature with a deadline is made only once a
        # connection is free to carry it.
        self._limit = (
            ConcurrencyLimit(max_in_flight, latency_target=latency_target)
            if max_in_flight is not None
            else None
        )
        # Every request takes a turn here, before its auth flow: under the rate limit, if
        # any, and never during a pause after a 429.
        self._pacer: RateLimiter = (
            rate_limit
            if isinstance(rate_limit, RateLimiter)
            else PauseOnly(sleep=sleep)
            if rate_limit is None
            else LocalRateLimiter(rate_limit)
        )

    def __repr__(self) -> str:
        return f"<Transport base_url={self._base_url!r}>"

    @property
    def base_url(self) -> str:
        """The configured base URL, without a trailing slash."""
        return self._base_url

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._retry

    @property
    def in_flight_limit(self) -> ConcurrencyLimit | None:
        """The cap on requests in flight, if any (its `limit` moves when adaptive)."""
        return self._limit

    @property
    def rate_limiter(self) -> RateLimiter | None:
        """The limiter pacing the requests, if a rate limit was given."""
        return None if isinstance(self._pacer, PauseOnly) else self._pacer

    @property
    def is_closed(self) -> bool:
        """Whether the underlying client is closed."""
        return self._client.is_closed

    async def aclose(self) -> None:
        """Close the connection pool, if this transport created it."""
        if self._owns_client:
            await self._client.aclose()

    def url_for(self, path: str) -> str:
        """The absolute URL of `path` under the base URL."""
        if not path.startswith("/") or path.startswith("//"):
            raise ValueError(f"expected a path starting with a single '/', got {path!r}")
        return self._base_url + path

    def _url(self, path: str, params: Mapping[str, str] | None) -> httpx.URL:
        """`path` under the base URL with `params` as its query, parsed once where it can be.

        httpx parses a URL given as text on every request, and again to merge
        `params` into it; a path without a query is parsed once and kept, and a
        query of text values is encoded as httpx would and parsed with the path.
        """
        if not params:
            url = self._urls.get(path)
            if url is None:
                url = httpx.URL(self.url_for(path))
                if len(self._urls) < _MAX_CACHED_URLS:
                    self._urls[path] = url
            return url
        text = self.url_for(path)
        if "?" in path or "#" in path or not all(type(v) is str for v in params.values()):
            return httpx.URL(text).copy_merge_params(params)  # httpx merges, converts values
        return httpx.URL(text + "?" + urlencode(list(params.items())))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        timeout: TimeoutTypes | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        capped: bool = True,
        hint: str | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying as the policy allows.

        Returns the successful response, or raises the SDK error for the last
        attempt. `idempotent` defaults to True for GET/HEAD/OPTIONS only; a request
        that is not idempotent is retried only when it provably never left, and its
        errors say the outcome is unknown (with `hint` on how to find it out).
        `capped=False` sends it without waiting for a place under `max_in_flight`:
        for a request that requests holding those places wait on (a token refresh).
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS")
        url = self._url(path, params)
        headers = self._request_headers.copy()
        content: bytes | None = None
        if json is not None and form is not None:
            raise ValueError("pass either json or form, not both")
        if json is not None:
            content = encode_json(json)  # once: every attempt signs and sends these bytes
            headers["Content-Type"] = "application/json; charset=utf-8"
        elif form is not None:
            content = urlencode(list(form.items())).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request_timeout = self._timeout if timeout is None else timeout_value("timeout", timeout)
        auth = (self._auth or _NO_AUTH) if authenticated else _NO_AUTH

        attempt = 0
        waited = _Waited()  # the pauses this request has waited out hold it no more
        while True:
            request = self._client.build_request(
                method, url, content=content, headers=headers, timeout=request_timeout
            )
            error: SDKError
            if authenticated and self._prepare is not None and self.rate_limiter is not None:
                await self._prepare()  # a token refreshed before the turn, not after it
            try:
                response = await self._send(
                    request, auth, request_timeout, capped=capped, waited=waited
                )
            except httpx.RequestError as exc:
                error = request_error(exc, request, idempotent=idempotent, hint=hint)
            except TurnTimeout as exc:
                waited.ticket = exc.ticket or waited.ticket
                error = turn_error(exc, request, self._pacer.limit, request_timeout.pool)
            except SharedStoreError as exc:
                error = SharedStoreError(
                    f"{method} {request.url}: {exc.message}", method=method, url=str(request.url)
                )
            else:
                _release_stream(response)
                if response.is_success:
                    self._logger.debug(
                        "%s %s -> %d (attempt %d)",
                        method,
                        request.url,
                        response.status_code,
                        attempt + 1,
                    )
                    return response
                error = status_error(response, idempotent=idempotent, hint=hint)
                waited.ticket = (
                    await self._pause_after(error, request_timeout.pool) or waited.ticket
                )
            if not self._retry.should_retry(error, attempt=attempt, idempotent=idempotent):
                self._logger.debug("%s %s failed (attempt %d): %s", method, url, attempt + 1, error)
                # Not chained to the httpx error: its request holds the auth headers.
                raise error from None
            retry_after = error.retry_after if isinstance(error, RateLimitError) else None
            delay = self._retry.delay(attempt, retry_after=retry_after, error=error)
            self._logger.info(
                "%s %s failed (attempt %d): %s; retrying in %.2fs",
                method,
                url,
                attempt + 1,
                type(error).__name__,
                delay,
            )
            await self._sleep(delay)
            attempt += 1

    async def _pause_after(self, error: SDKError, timeout: float | None) -> PauseTicket | None:
        """After a 429 with `Retry-After`, pause every request; the ticket lets this one by."""
        if not isinstance(error, RateLimitError) or not error.retry_after:
            return None
        self._logger.info(
            "%s %s: 429, requests paused for %.2fs", error.method, error.url, error.retry_after
        )
        return await self._pacer._pause(error.retry_after, timeout)

    async def _send(
        self,
        request: httpx.Request,
        auth: httpx.Auth,
        timeout: httpx.Timeout,
        *,
        capped: bool,
        waited: _Waited,
    ) -> httpx.Response:
        limit = self._limit
        pacer = self._pacer
        first = not capped  # a token refresh: the requests ahead of it may be waiting for it
        if limit is None or not capped:
            if not pacer._grant_now(first=first, waited=waited.ticket):
                waited.ticket = await pacer._wait_turn(
                    timeout.pool, first=first, waited=waited.ticket
                )
            return await self._client.send(request, auth=auth, follow_redirects=False)
        started = time.monotonic()
        try:
            permit = await limit.acquire(timeout.pool)
        except asyncio.TimeoutError:
            # What the pool itself raises when no connection frees up in time.
            raise httpx.PoolTimeout("no request slot free in time", request=request) from None
        if not pacer._grant_now(first=first, waited=waited.ticket):
            left = None if timeout.pool is None else timeout.pool - (time.monotonic() - started)
            try:
                waited.ticket = await pacer._wait_turn(left, first=first, waited=waited.ticket)
            except BaseException:
                limit.release(permit, answered=False)
                raise
            permit = limit.restart(permit)
        try:
            response = await self._client.send(request, auth=auth, follow_redirects=False)
        except BaseException as exc:
            limit.release(permit, answered=False, dropped=isinstance(exc, httpx.TimeoutException))
            raise
        limit.release(
            permit,
            answered=True,
            dropped=response.status_code in _OVERLOADED or DEADLINE_MISS in response.extensions,
        )
        return response


@attrs.define
class _Waited:
    """The last pause one request waited out (across its attempts): it holds it no more."""

    ticket: PauseTicket | None = None


#: Answers that say the server is overloaded: the adaptive cap shrinks on them.
_OVERLOADED = frozenset({429, 502, 503, 504})


def _release_stream(response: httpx.Response) -> None:
    """Break httpx's response <-> stream reference cycle once the body has been read.

    httpx binds each response's stream to the response itself, so a response, its
    body and its decoded text are freed only by the cycle collector, not as soon as
    the caller lets go of them. Walking a long list page by page then holds many
    pages' bodies at once. The body is read and the stream closed by now: a plain
    stream over the same bytes serves anyone who still iterates it.
    """
    if response.is_closed and response.is_stream_consumed:
        response.stream = httpx.ByteStream(response.content)
