"""The one error tree shared by every client of the SDK.

```
SDKError
├── ValidationError ............... bad input, raised before anything is sent
├── TransportError ................ no HTTP response was received
│   ├── ConnectError .............. the request never left this machine
│   ├── RequestTimeout ............ no answer in time; the server may have it
│   └── NetworkError .............. the connection broke mid-request
├── APIStatusError ................ the server answered with an error status
│   ├── BadRequestError ........... 400 (field details in `field_errors`)
│   ├── AuthenticationError ....... 401
│   │   └── SignatureWindowError .. refused when its signed deadline was off the server's clock
│   ├── PermissionDeniedError ..... 403
│   ├── NotFoundError ............. 404
│   ├── RateLimitError ............ 429 (`retry_after` seconds, when sent)
│   └── ServerError ............... 5xx
│       ├── InternalServerError ... 500
│       └── ServiceUnavailableError 502, 503, 504
├── AmountMismatchError ........... a payment was made, but not for the amount sent
├── CallbackNotConfirmedError ..... a callback the API's own record does not bear out
├── DecodeError ................... the response is not what the API documents
├── PaginationError ............... the server's `next` links do not advance
└── SharedStoreError .............. the store processes share (Redis) failed; nothing was sent
```

Every error says whether the request `may_have_reached_server`, and whether its
`outcome_unknown`: a payment-creating request that failed after it may have been
processed. Such a request is never retried by the SDK; check what happened (for
example in the history endpoints) before sending it again.

No error ever carries request headers, so keys, signatures and tokens stay out of
messages, logs and tracebacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "APIStatusError",
    "AmountMismatchError",
    "AuthenticationError",
    "BadRequestError",
    "CallbackNotConfirmedError",
    "ConnectError",
    "DecodeError",
    "InternalServerError",
    "NetworkError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeout",
    "SDKError",
    "ServerError",
    "ServiceUnavailableError",
    "SharedStoreError",
    "SignatureWindowError",
    "TransportError",
    "ValidationError",
]

_OUTCOME_UNKNOWN_NOTE = (
    "The outcome is unknown: the server may have processed this request. "
    "It was not retried; check its state before sending it again."
)


class SDKError(Exception):
    """Base class of every error the SDK raises."""

    #: The request may have reached the server (False only when it provably never left).
    may_have_reached_server: bool = False
    #: A non-repeatable request (a payment, an order, a token rotation) may have taken effect.
    outcome_unknown: bool = False
    #: The HTTP method and URL of the request, when there was one.
    method: str | None = None
    url: str | None = None
    #: After an unknown outcome, what may be the record the request made, when the
    #: SDK found several it could not tell apart (see `orders.create`); else empty.
    candidates: Sequence[Any] = ()

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        may_have_reached_server: bool = False,
        outcome_unknown: bool = False,
        hint: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.may_have_reached_server = may_have_reached_server
        self.outcome_unknown = outcome_unknown
        self.hint = hint  #: how to find out what happened, when the outcome is unknown
        self.message = message  #: the message, without the outcome-unknown note
        super().__init__(self._full_message())

    def _full_message(self) -> str:
        parts = [self.message]
        if self.outcome_unknown:
            parts.append(_OUTCOME_UNKNOWN_NOTE)
            if self.hint:
                parts.append(self.hint)
        return " ".join(parts)

    def __str__(self) -> str:
        return self._full_message()


class ValidationError(SDKError, ValueError):
    """Input the API would reject, caught before anything was sent."""

    def __init__(self, field: str, rule: str) -> None:
        self.field = field  #: the argument that was refused (`amount`, `client_ip`, ...)
        self.rule = rule  #: the rule it broke, in words
        super().__init__(f"{field}: {rule}")


class TransportError(SDKError):
    """No HTTP response arrived: the connection failed, broke or timed out."""


class ConnectError(TransportError):
    """The connection could not be made; the request provably never left."""


class RequestTimeout(TransportError):
    """The server did not answer in time; it may have received the request."""


class NetworkError(TransportError):
    """The connection broke while the request or its response was in flight."""


class APIStatusError(SDKError):
    """The server answered with a status that is not a success."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any,
        text: str,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
        outcome_unknown: bool = False,
        hint: str | None = None,
    ) -> None:
        self.status_code = status_code  #: the HTTP status
        self.body = body  #: the body, decoded from JSON
        self.text = text  #: the body as text
        self.headers: dict[str, str] = dict(headers or {})  #: the answer's headers
        super().__init__(
            message,
            method=method,
            url=url,
            may_have_reached_server=True,
            outcome_unknown=outcome_unknown,
            hint=hint,
        )

    def status_fields(self) -> dict[str, Any]:
        """What this error knows of the answer and its request, to build another error from it."""
        return {
            "status_code": self.status_code,
            "body": self.body,
            "text": self.text,
            "headers": self.headers,
            "method": self.method,
            "url": self.url,
        }

    @property
    def error(self) -> str | None:
        """The machine-readable `error` code of an OAuth-style body, if any."""
        value = self.body.get("error") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def error_description(self) -> str | None:
        """The human-readable `error_description` of an OAuth-style body, if any."""
        value = self.body.get("error_description") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def detail(self) -> str | None:
        """The `detail` message of a Django REST framework body, if any."""
        value = self.body.get("detail") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Per-field messages of a Django REST framework body (`{"field": ["msg"]}`)."""
        return field_errors(self.body)


class BadRequestError(APIStatusError):
    """400: the server rejected the input; `field_errors` says what to change."""


class AuthenticationError(APIStatusError):
    """401: the credentials, signature or token were not accepted."""


class SignatureWindowError(AuthenticationError):
    """A signed request refused (401 or 403) when its deadline was off the server's clock.

    Either the answer came after the request's deadline had passed by the
    server's clock (`late`), or the deadline lay further ahead of that clock than
    the signature window (this machine's clock is ahead). The server did not act
    on the request, so the SDK signs it again and resends it, within the retry
    policy; this error is raised when that did not help. `clock_offset` is the
    estimated `server - local` time in seconds, `clock_uncertainty` its margin.
    """

    def __init__(
        self,
        message: str,
        *,
        late: bool,
        clock_offset: float,
        clock_uncertainty: float,
        **kwargs: Any,
    ) -> None:
        self.late = late  #: the deadline had passed (False: it lay too far ahead)
        self.clock_offset = clock_offset  #: the estimated server - local time, in seconds
        self.clock_uncertainty = clock_uncertainty  #: the estimate's margin, in seconds
        super().__init__(message, **kwargs)


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the wait the server asked for."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after  #: seconds to wait, from `Retry-After` (None: not sent)
        super().__init__(message, **kwargs)


class ServerError(APIStatusError):
    """5xx: the server failed."""


class InternalServerError(ServerError):
    """500: an error on the server's side."""


class ServiceUnavailableError(ServerError):
    """502, 503 or 504: the service is overloaded or unreachable behind its proxy."""


class AmountMismatchError(SDKError):
    """The server created the payment, but its record holds another amount than was sent.

    The request took effect (`record` is what the server answered): do not send
    it again. `field` names the amount that differs, `sent` and `received` hold
    both values. A server that reads JSON numbers as binary floats rounds some
    amounts this way; the SDK sends amounts so that it should not happen.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str,
        sent: Decimal,
        received: Decimal,
        record: Any,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.field = field  #: the amount's field (`amount`, `convert_limit`, ...)
        self.sent = sent  #: the amount sent
        self.received = received  #: the amount the server echoed
        self.record = record  #: the created record, as the server answered it
        super().__init__(message, method=method, url=url, may_have_reached_server=True)


class CallbackNotConfirmedError(SDKError):
    """A callback the API's own record does not bear out: do not act on it.

    The API has no such record (`record` is None), or its record differs in
    what identifies the money: `mismatches` maps each such field to
    `(callback's value, API's value)`. `callback` is the parsed callback.
    """

    def __init__(
        self,
        message: str,
        *,
        callback: Any,
        record: Any = None,
        mismatches: Mapping[str, tuple[Any, Any]] | None = None,
    ) -> None:
        self.callback = callback
        self.record = record
        self.mismatches: dict[str, tuple[Any, Any]] = dict(mismatches or {})
        super().__init__(message)


class DecodeError(SDKError):
    """The response could not be decoded into what the API documents.

    `text` holds the raw response body, so nothing is lost for a bug report. When
    the request created something (a payment, an order, a token), the server may
    have done so although its answer cannot be read: `outcome_unknown` is set.
    """

    def __init__(
        self,
        message: str,
        *,
        text: str,
        status_code: int | None = None,
        method: str | None = None,
        url: str | None = None,
        outcome_unknown: bool = False,
        hint: str | None = None,
    ) -> None:
        self.text = text
        self.status_code = status_code
        super().__init__(
            message,
            method=method,
            url=url,
            may_have_reached_server=True,
            outcome_unknown=outcome_unknown,
            hint=hint,
        )

    def as_outcome_unknown(self, hint: str | None, *, note: str = "") -> DecodeError:
        """This error for a request that may have taken effect (`note` added to the message)."""
        return DecodeError(
            f"{self.message} {note}".rstrip(),
            text=self.text,
            status_code=self.status_code,
            method=self.method,
            url=self.url,
            outcome_unknown=True,
            hint=hint,
        )


class PaginationError(SDKError):
    """The server's `next` link points back to a page already read."""


class SharedStoreError(SDKError):
    """The store that processes share (Redis) failed or was out of reach; nothing was sent.

    The SDK never carries on without it (a request is never sent unpaced). Safe to retry."""


_MAX_DEPTH = 32


def field_errors(body: Any) -> dict[str, list[str]]:
    """Flatten a DRF error body into `{"field": ["message", ...]}`.

    Nested serializers become dotted names (`"convert.amount"`), list items their
    index (`"items.0.amount"`). Anything that is not a field map gives `{}`.
    """
    found: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            return  # no real serializer nests this deep: do not recurse without end
        if isinstance(value, str):
            found.setdefault(prefix, []).append(value)
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner, depth + 1)
        elif isinstance(value, list):
            if all(isinstance(v, str) for v in value):
                found.setdefault(prefix, []).extend(value)
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), inner, depth + 1)

    if isinstance(body, Mapping):
        for key, value in body.items():
            if key in ("error", "error_description", "detail"):
                continue
            walk(str(key), value)
    return found
