"""The sandbox's controls: the journal of requests, armed faults, the `Date`, a throttle.

`SandboxControls` is what a test drives in-process (and, through the routes of
`_sandbox_http.py`, from another process): it records every API request that
arrives (`requests`, `requests_to`), arms faults for the next ones (`fail_next`,
`drop_next`, `delay_next`), writes each answer's `Date` by the sandbox's own clock
(`http_date`, `refresh_date_each_second`) and can serve like a busy server
(`throttle`). `SandboxMiddleware` (`_sandbox_middleware.py`) applies them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import json
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import attrs
from starlette.responses import JSONResponse, Response

__all__ = [
    "CONTROL_PREFIX",
    "DROPS",
    "REDACTED",
    "ErrorBody",
    "Fault",
    "RecordedRequest",
    "SandboxControls",
]

#: Paths under this prefix control the sandbox; they are neither recorded nor faulted.
CONTROL_PREFIX = "/sandbox/"

#: What stands for a credential in the journal served over HTTP.
REDACTED = "<redacted>"
_SECRET_FORM_FIELDS = frozenset({"password", "refresh_token", "client_secret", "code"})

ErrorBody = Callable[[int, str], Mapping[str, Any]]

#: How a dropped request's connection is lost: closed by the server, or left unanswered
#: until the client gives up.
DROPS = ("reset", "timeout")


@attrs.frozen
class RecordedRequest:
    """One API request as the sandbox received it, for a test to inspect.

    `received_at` is when it arrived, in epoch seconds by the sandbox's clock
    (set as it is journaled; not compared): a test counts arrivals per second by it.
    """

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float = attrs.field(default=0.0, eq=False)

    def header(self, name: str) -> str | None:
        """The first value of header `name` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as `GET /sandbox/requests` answers, with credentials redacted.

        The body is text. An `Authorization` header and the password and token
        fields of a form body read `<redacted>`: what a test needs is that they
        were sent, and a sandbox on a shared host must not hand them out.
        """
        headers = {
            key: REDACTED if key == "authorization" else value for key, value in self.headers
        }
        body = self.body.decode("utf-8", "replace")
        if (self.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            fields = parse_qsl(body, keep_blank_values=True)
            body = urlencode([(k, REDACTED if k in _SECRET_FORM_FIELDS else v) for k, v in fields])
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": headers,
            "body": body,
            "received_at": self.received_at,
        }


@attrs.frozen
class Fault:
    """What to do to one request instead of (or after) handling it.

    `status` None only delays the request by `delay` seconds. `drop` (one of
    `DROPS`) loses the connection instead of answering. With `after_handling`
    the request takes effect and its answer is replaced by the failure: what a
    client sees when a proxy gives up on a request the server went on to process.
    """

    status: int | None = None
    delay: float = 0.0
    retry_after: int | None = None
    after_handling: bool = False
    drop: str | None = None


@attrs.define
class _ArmedFault:
    path: str
    method: str | None
    remaining: int
    fault: Fault


class SandboxControls:
    """The journal of requests received and the faults armed for the next ones."""

    def __init__(
        self,
        *,
        error_body: ErrorBody,
        journal_size: int = 10_000,
        epoch_clock: Callable[[], float] = time.time,
    ) -> None:
        self._error_body = error_body
        self._journal: collections.deque[RecordedRequest] = collections.deque(maxlen=journal_size)
        self._faults: list[_ArmedFault] = []
        self._epoch_clock = epoch_clock
        self._date_phase: float | None = None
        self._service_time = 0.0
        self._workers: asyncio.Semaphore | None = None

    def http_date(self) -> str:
        """The `Date` header for an answer written now, by the sandbox's clock."""
        now = self._epoch_clock()
        if self._date_phase is not None:  # the Date of the last once-a-second refresh
            now = math.floor(now - self._date_phase) + self._date_phase
        return email.utils.formatdate(now, usegmt=True)

    def refresh_date_each_second(self, phase: float | None = 0.85) -> None:
        """Write the `Date` a server refreshes once a second, `phase` into each second.

        uvicorn does this: its `Date` can lag the time by up to a second. `None`
        writes the exact second again.
        """
        if phase is not None and not 0 <= phase < 1:
            raise ValueError(f"phase must be from 0 to 1 (excluded), got {phase!r}")
        self._date_phase = phase

    def throttle(self, seconds_per_request: float, *, workers: int = 1) -> None:
        """Serve like a busy server: `workers` requests at a time, each taking this long.

        Requests beyond `workers` wait their turn before they are handled (and
        before their signature is checked), as on a server with that many workers.
        `throttle(0)` serves at full speed again.
        """
        if not math.isfinite(seconds_per_request) or seconds_per_request < 0:
            raise ValueError(
                f"seconds_per_request must be finite and >= 0, got {seconds_per_request!r}"
            )
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self._service_time = float(seconds_per_request)
        self._workers = asyncio.Semaphore(workers) if seconds_per_request > 0 else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the throttled workers for one request's service time (no-op unthrottled)."""
        workers, seconds = self._workers, self._service_time
        if workers is None:
            yield
            return
        async with workers:
            await asyncio.sleep(seconds)
            yield

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request received (the latest `journal_size`), oldest first."""
        return list(self._journal)

    def requests_to(self, path: str, *, method: str | None = None) -> list[RecordedRequest]:
        """The requests received for `path` (and `method`, if given), oldest first."""
        return [
            r
            for r in self._journal
            if r.path == path and (method is None or r.method == method.upper())
        ]

    def clear_requests(self) -> None:
        """Forget the requests received so far."""
        self._journal.clear()

    def fail_next(
        self,
        path: str,
        *,
        status: int = 502,
        times: int = 1,
        retry_after: int | None = None,
        method: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Answer the next `times` requests to `path` with `status`.

        `retry_after` (seconds) adds a Retry-After header, as a 429 would carry.
        With `after_handling` each request is processed first (a payment is made)
        and only its answer is replaced: the "outcome unknown" case.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an error status (400-599), got {status}")
        if retry_after is not None and (
            isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
        ):
            raise ValueError(f"retry_after must be a whole number of seconds, got {retry_after!r}")
        fault = Fault(status=status, retry_after=retry_after, after_handling=after_handling)
        self._arm(path, method, times, fault)

    def drop_next(
        self,
        path: str,
        *,
        timeout: bool = False,
        times: int = 1,
        method: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Lose the connection of the next `times` requests to `path` instead of answering.

        The server closes it (the client reads that the connection broke), or with
        `timeout` leaves it unanswered until the client gives up (in-process,
        through `transport()`, the client's read times out at once; served, the
        answer is held until the client closes the connection, at most a minute).
        With `after_handling` each request is processed first (a payment is made):
        the "outcome unknown" case of a lost answer.
        """
        drop = DROPS[1] if timeout else DROPS[0]
        self._arm(path, method, times, Fault(after_handling=after_handling, drop=drop))

    def delay_next(
        self, path: str, *, seconds: float, times: int = 1, method: str | None = None
    ) -> None:
        """Hold the next `times` requests to `path` for `seconds` before handling them."""
        if not math.isfinite(seconds) or seconds < 0:
            # NaN or Infinity (JSON from the HTTP control may hold either) would hold the
            # request, and the server's shutdown with it, for ever.
            raise ValueError(f"seconds must be finite and not negative, got {seconds!r}")
        self._arm(path, method, times, Fault(delay=seconds))

    def clear_faults(self) -> None:
        """Disarm every fault not yet used."""
        self._faults.clear()

    def _arm(self, path: str, method: str | None, times: int, fault: Fault) -> None:
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if times < 1:
            raise ValueError("times must be at least 1")
        upper = method.upper() if method else None
        self._faults.append(_ArmedFault(path, upper, times, fault))

    def record(self, request: RecordedRequest) -> Fault | None:
        """Journal `request` (stamped with the time it arrived) and take its armed fault, if any."""
        self._journal.append(attrs.evolve(request, received_at=self._epoch_clock()))
        for armed in self._faults:
            if armed.path == request.path and armed.method in (None, request.method):
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._faults.remove(armed)
                return armed.fault
        return None

    def failure_response(self, fault: Fault) -> Response:
        """The answer a failing fault gives, in the API's own error shape."""
        status = fault.status or 500
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        body = self._error_body(status, _FAULT_MESSAGES.get(status, "Injected failure."))
        return JSONResponse(dict(body), status_code=status, headers=headers)


_FAULT_MESSAGES = {
    429: "Request was throttled.",
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}
