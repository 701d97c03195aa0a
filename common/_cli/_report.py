"""Exit codes, and how an error becomes a message on stderr and an exit code."""

from __future__ import annotations

import http
import json
import sys
from collections.abc import Mapping
from typing import TextIO
from urllib.parse import urlsplit

from .._errors import (
    APIStatusError,
    RateLimitError,
    SDKError,
    TransportError,
    ValidationError,
)
from .._responses import describe_error_body
from .._to_dict import json_data
from ._secrets import Secrets

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_CODES_HELP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "UsageError",
    "error_lines",
    "report_error",
]

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_INTERRUPTED = 130


#: The exit codes, as both commands' `--help` lists them.
EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    the API answered with an error status, or with an answer that does not decode
  2    usage: a bad flag or value, missing credentials, input refused before sending
  3    transport: no connection, a timeout, a connection broken mid-request
  130  interrupted (Ctrl+C)
"""


class UsageError(Exception):
    """Bad command-line input or missing credentials (exit 2); nothing was sent."""


def _where(method: str | None, url: str | None) -> str:
    if not url:
        return method or "the request"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{method} {path}" if method else path


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _outcome_lines(exc: SDKError) -> list[str]:
    if not exc.outcome_unknown:
        return []
    lines = [
        "!!! OUTCOME UNKNOWN: the server may have processed this request. It was NOT retried.",
        "!!! Check its state before sending it again.",
    ]
    if exc.hint:
        lines.append(f"!!! {exc.hint}")
    return lines


def _body_text(exc: APIStatusError) -> str:
    if exc.body is not None:
        try:
            return json.dumps(json_data(exc.body), ensure_ascii=False)
        except (TypeError, ValueError):
            pass  # a body with no exact JSON form (a NaN): its raw text, below
    text = exc.text.strip()
    return text if len(text) <= 500 else text[:500] + "..."


def error_lines(exc: SDKError, flags: Mapping[str, str] | None = None) -> tuple[int, list[str]]:
    """The exit code and the stderr lines for an SDK error (secrets not yet masked)."""
    if isinstance(exc, ValidationError):
        name = (flags or {}).get(exc.field, exc.field)
        return EXIT_USAGE, [f"error: invalid {name}: {exc.rule} (nothing was sent)"]
    if isinstance(exc, APIStatusError):
        reason = _reason(exc.status_code)
        lines = [
            f"error: HTTP {exc.status_code}{' ' + reason if reason else ''} "
            f"from {_where(exc.method, exc.url)}"
        ]
        fields = exc.field_errors
        if fields:
            lines.extend(f"  {name}: {' '.join(messages)}" for name, messages in fields.items())
        else:
            lines.append(f"  {describe_error_body(exc.body, exc.text)}")
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            lines.append(f"  retry after {exc.retry_after:g} s")
        lines.append(f"  body: {_body_text(exc)}")
        if exc.status_code == 401:
            lines.append("  (check the credentials: key, secret, client id, password or token)")
        return EXIT_API_ERROR, lines + _outcome_lines(exc)
    if isinstance(exc, TransportError):
        return EXIT_TRANSPORT, [f"error: {exc.message}", *_outcome_lines(exc)]
    # DecodeError, PaginationError, and the errors a client adds to the tree.
    return EXIT_API_ERROR, [f"error: {exc.message}", *_outcome_lines(exc)]


def report_error(
    exc: BaseException,
    *,
    secrets: Secrets,
    flags: Mapping[str, str] | None = None,
    in_doubt_note: str | None = None,
    stream: TextIO | None = None,
) -> int:
    """Print `exc` to stderr (secrets masked, never a traceback); returns the exit code.

    `in_doubt_note` (how to check from the command line) ends the message of an
    error whose outcome is unknown.
    """
    if isinstance(exc, SDKError):
        code, lines = error_lines(exc, flags)
        if exc.outcome_unknown and in_doubt_note:
            lines.append(f"!!! {in_doubt_note}")
    elif isinstance(exc, UsageError):
        code, lines = EXIT_USAGE, [f"error: {exc}"]
    else:
        code, lines = EXIT_API_ERROR, [f"error: unexpected {type(exc).__name__}: {exc}"]
    out = stream if stream is not None else sys.stderr
    for line in lines:
        out.write(secrets.scrub(line) + "\n")
    out.flush()
    return code
