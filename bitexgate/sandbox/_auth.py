"""How the sandbox checks the gateway's request signature.

Written from the reference, not from the client's signing code, so the two check
each other: the payload is `f"{key}{path}{timeout}{body}"`, where `path` is the
request path without its query string, `timeout` the `X-Timeout` header as sent
and `body` the raw request body read as UTF-8 (empty for a GET); `X-Sign` must be
its hex HMAC-SHA256 keyed with the secret.

`X-Timeout` is a deadline in epoch milliseconds: a request that arrives after it
is refused. The reference sets no upper bound; the sandbox refuses a deadline more
than `max_window` seconds ahead, so a captured request cannot be replayed for
ever. A real server may accept more (or less): keep the client's window short.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

__all__ = ["AUTH_HEADERS", "reference_signature", "verify"]

#: The three headers every gateway call must carry.
AUTH_HEADERS = ("X-Key", "X-Timeout", "X-Sign")

_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")


def reference_signature(secret: str, key: str, path: str, timeout: str, body: str) -> str:
    """The reference's `get_signature`: hex HMAC-SHA256 of key + path + timeout + body."""
    payload = f"{key}{path}{timeout}{body}"
    return hmac.new(secret.encode(), payload.encode(), digestmod="sha256").hexdigest()


def verify(
    headers: Mapping[str, str],
    *,
    path: str,
    body: bytes,
    api_key: str,
    secret: str,
    now: float,
    max_window: float,
) -> str | None:
    """Why the request is refused (the 401 `detail`), or None when it is authentic.

    `headers` is looked up by the header names as written in `AUTH_HEADERS`; pass
    a case-insensitive mapping (Starlette's `request.headers`).
    """
    values = {name: (headers.get(name) or "").strip() for name in AUTH_HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        return f"Authentication credentials were not provided: missing {', '.join(missing)}."
    key, timeout_text, signature = values["X-Key"], values["X-Timeout"], values["X-Sign"]
    if not hmac.compare_digest(key.encode(), api_key.encode()):
        return "Invalid API key: X-Key is not a known key."
    if not _INTEGER.fullmatch(timeout_text):
        return f"X-Timeout must be an integer (epoch milliseconds), got {timeout_text[:40]!r}."
    deadline = int(timeout_text)
    now_ms = int(now * 1000)
    if now_ms > deadline:
        return (
            f"Request expired: X-Timeout {deadline} is {now_ms - deadline} ms in the past. "
            "Sign each request just before sending it."
        )
    if deadline - now_ms > max_window * 1000:
        return (
            f"X-Timeout {deadline} is too far ahead: the sandbox accepts at most "
            f"{max_window:g} seconds from now."
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "Invalid signature: the request body is not UTF-8 text."
    expected = reference_signature(secret, key, path, timeout_text, text)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return "Invalid signature: X-Sign does not match the request."
    return None
