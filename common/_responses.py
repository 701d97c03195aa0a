"""Pure functions that turn HTTP responses into data or errors.

Nothing here does I/O: each function takes a response (or its parts) and returns a
value or an exception object, so the behaviour is tested on recorded samples.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar, cast

import cattrs
import httpx

from ._clock import DeadlineMiss
from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    SignatureWindowError,
    field_errors,
)

__all__ = [
    "decode_created",
    "decode_error",
    "decode_json",
    "decode_json_text",
    "describe_error_body",
    "error_from_response",
    "json_text",
    "signature_window_error",
    "parse_retry_after",
    "response_text",
    "structure",
    "structure_list",
    "structure_text",
]

T = TypeVar("T")

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
    500: InternalServerError,
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    504: ServiceUnavailableError,
}

_SNIPPET = 200
#: At most this many characters of a summary, and this many reasons, go into a message:
#: a body of any size must not make a message too long to log (`body` and `text` hold it all).
_SUMMARY = 500
_REASONS = 10

#: One decoder for every body: `json.loads(text, parse_float=Decimal)` builds a new one a call.
_decode_json = json.JSONDecoder(parse_float=Decimal).decode


def _snippet(text: str, limit: int = _SNIPPET) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


def _some(reasons: list[str]) -> str:
    """The first few of `reasons`, and how many more there are."""
    shown = _snippet("; ".join(reasons[:_REASONS]), _SUMMARY)
    more = len(reasons) - _REASONS
    return shown + (f"; and {more} more" if more > 0 else "")


def response_text(response: httpx.Response) -> str:
    """The body as text, for messages and errors' `text`; never raises.

    Read as `decode_json` reads it when it can be (UTF-8, UTF-16/32 as JSON
    allows, or the charset the response declares); otherwise as UTF-8, with
    U+FFFD for what is not UTF-8 (so no charset label, known or not, text
    encoding or not, can make reading a body fail).
    """
    text = _strict_text(response)
    return text if text is not None else response.content.decode("utf-8", errors="replace")


def _strict_text(response: httpx.Response) -> str | None:
    """The body as text without a guessed character, or None when it cannot be read.

    The bytes decide first: UTF-8, or UTF-16/32 recognised as `json.loads`
    recognises them (BOM or not). JSON is UTF-8 (RFC 8259), and a UTF-8 body
    labelled UTF-16 would be read as nonsense, not refused, when its length is
    even. Bytes that are none of these are read by the charset the response
    declares, when they fit it (a server that writes Latin-1 and says so).
    """
    text = json_text(response.content)
    if text is not None:
        return text
    charset = response.charset_encoding  # Content-Type's `charset`, if any
    if charset is not None:
        try:
            return response.content.decode(charset)
        except (LookupError, ValueError):  # unknown, not a text encoding, or does not fit
            pass
    return None


def json_text(content: bytes) -> str | None:
    """`content` as JSON text: UTF-8, or UTF-16/32 as `json.loads` detects them; else None."""
    try:
        return content.decode(json.detect_encoding(content))
    except ValueError:  # UnicodeDecodeError
        return None


def _json_or_none(response: httpx.Response) -> Any:
    text = _strict_text(response)
    if text is None or not text.strip():
        return None
    try:
        return _decode_json(text)
    except (ValueError, RecursionError):
        return None


def describe_error_body(body: Any, text: str) -> str:
    """A one-line summary of an error body, whichever of the documented shapes it has.

    At most a few hundred characters, however long the body.
    """
    return _snippet(_describe(body, text), _SUMMARY)


def _describe(body: Any, text: str) -> str:
    if isinstance(body, Mapping):
        error, description = body.get("error"), body.get("error_description")
        if isinstance(error, str) and isinstance(description, str):
            return f"{error}: {description}"
        if isinstance(description, str):
            return description
        if isinstance(error, str):
            return error
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        fields = field_errors(body)
        if fields:
            return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
    if isinstance(body, list) and body and all(isinstance(item, str) for item in body):
        return " ".join(body)
    return _snippet(text) or "(empty body)"


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    value = httpx.Headers(headers).get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):  # a year past C's long
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):  # NaN, or "inf" and numbers too large for a float
        return None
    return max(0.0, seconds)


def error_from_response(
    response: httpx.Response,
    *,
    outcome_unknown: bool = False,
    hint: str | None = None,
) -> APIStatusError:
    """The SDK error for a response whose status is not a success."""
    status = response.status_code
    text = response_text(response)
    body = _json_or_none(response)
    summary = describe_error_body(body, text)
    request = response.request
    method, url = request.method, str(request.url)
    message = f"{method} {url} returned {status} {response.reason_phrase}: {summary}"
    kwargs: dict[str, Any] = {
        "status_code": status,
        "body": body,
        "text": text,
        "headers": response.headers,
        "method": method,
        "url": url,
        "outcome_unknown": outcome_unknown,
        "hint": hint,
    }
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIStatusError
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers), **kwargs)
    return cls(message, **kwargs)


def signature_window_error(error: APIStatusError, miss: DeadlineMiss) -> SignatureWindowError:
    """`error`, a refused signed request, as the `SignatureWindowError` its timing explains."""
    clock = (
        f"the server's clock is {miss.clock_offset:+.3f} s from this machine's "
        f"(within {miss.clock_uncertainty:.3f} s)"
    )
    if miss.late:
        why = (
            "Its X-Timeout deadline had passed on the server's clock when the server wrote "
            f"this answer (by its Date header): {clock}. It waited too long on the way (load, "
            "a slow link) or this machine's clock is behind."
        )
    else:
        why = (
            "Its X-Timeout deadline lay further ahead of the server's clock than the signature "
            f"window: {clock}; this machine's clock is ahead."
        )
    advice = (
        "The SDK signs against the server's clock as it learns it and resent the request; "
        "if this persists, set the clock right (NTP), pass clock_offset=, or widen "
        "signature_window."
    )
    return SignatureWindowError(
        f"{error.message} {why} {advice}",
        late=miss.late,
        clock_offset=miss.clock_offset,
        clock_uncertainty=miss.clock_uncertainty,
        outcome_unknown=error.outcome_unknown,
        hint=error.hint,
        **error.status_fields(),
    )


def decode_json(response: httpx.Response) -> Any:
    """The JSON body of a successful response, or DecodeError with the raw text.

    Numbers with a fraction become `Decimal`, never float, so an amount the server
    writes as a JSON number keeps every digit. The body is read as UTF-8, or as
    UTF-16/32 when its bytes say so (as `json.loads` detects them), else in the
    charset the response declares if the bytes fit it; a body that is none of
    these is a DecodeError too: an amount or an address is read exactly or not
    at all, never with replacement characters.
    """
    text = _strict_text(response)  # never with replacement characters: exact, or not at all
    if text is None:
        raise _not_json(response, "its bytes are neither UTF-8 nor in its declared charset")
    try:
        return _decode_json(text)
    except (ValueError, RecursionError) as exc:
        raise _not_json(response, str(exc)) from exc


def decode_json_text(text: str, *, what: str) -> Any:
    """JSON text that came with no response (a callback's body), decoded as `decode_json` does.

    Raises DecodeError with `text` attached, its message starting with `what`.
    """
    try:
        return _decode_json(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"{what}: not JSON ({exc}): {_snippet(text)!r}", text=text) from exc


def decode_error(
    response: httpx.Response,
    problem: str,
    *,
    text: str | None = None,
    outcome_unknown: bool = False,
    hint: str | None = None,
) -> DecodeError:
    """The DecodeError for `response`: its request, its status, `problem`, and its raw text.

    `text` replaces the body's text (for one with secrets masked).
    """
    request = response.request
    return DecodeError(
        f"{request.method} {request.url}: {problem}",
        text=response_text(response) if text is None else text,
        status_code=response.status_code,
        method=request.method,
        url=str(request.url),
        outcome_unknown=outcome_unknown,
        hint=hint,
    )


def _not_json(response: httpx.Response, reason: str) -> DecodeError:
    snippet = _snippet(response_text(response))
    return decode_error(response, f"the body is not JSON ({reason}): {snippet!r}")


def structure(converter: cattrs.Converter, data: Any, cls: type[T], response: httpx.Response) -> T:
    """Structure decoded JSON into `cls`, or raise DecodeError naming what was wrong."""
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs raises many kinds; all mean "not what was documented"
        raise decode_error(
            response, f"the response does not decode as {_structure_problem(exc, cls)}"
        ) from exc


def structure_text(
    converter: cattrs.Converter, data: Any, cls: type[T], *, text: str, what: str
) -> T:
    """`structure` for decoded JSON that came with no response (a callback's body).

    Raises DecodeError with `text` attached, its message starting with `what`.
    """
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # as in `structure`
        problem = f"{what}: does not decode as {_structure_problem(exc, cls)}"
        raise DecodeError(problem, text=text) from exc


def _structure_problem(exc: Exception, cls: Any) -> str:
    """`cls` and, briefly, why the data did not structure as it."""
    if isinstance(exc, cattrs.BaseValidationError):
        reasons = _some(cattrs.transform_error(exc, path=_type_name(cls)))
    else:
        reasons = _snippet(f"{type(exc).__name__}: {exc}", _SUMMARY)
    return f"{_type_name(cls)} ({reasons})"


def decode_created(
    converter: cattrs.Converter, response: httpx.Response, cls: type[T], *, hint: str
) -> T:
    """The body of a successful create (a payment, an order) as `cls`.

    If it cannot be decoded, the server accepted the request all the same: the
    DecodeError says so and has `outcome_unknown` set, so nobody resends it blindly.
    """
    try:
        return structure(converter, decode_json(response), cls, response)
    except DecodeError as exc:
        note = f"The server accepted the request (HTTP {response.status_code}): "
        raise exc.as_outcome_unknown(hint, note=note + "it has probably taken effect.") from None


def structure_list(
    converter: cattrs.Converter, data: Any, item: type[T], response: httpx.Response
) -> list[T]:
    """Structure a decoded JSON list into `list[item]`, or raise DecodeError."""
    list_of: Any = cast(Any, list)[item]
    return cast("list[T]", structure(converter, data, list_of, response))


def _type_name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or repr(cls)
