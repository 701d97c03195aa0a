"""Callback URLs that carry a token: a callback to a URL nobody could guess.

The Gateway signs no callback, so anyone who learns a callback URL can post to
it. A callback URL made here carries `ref=<ref>&token=<token>`: the token is an
HMAC-SHA256 of `ref`, keyed with a key derived from the API secret for this use
alone (`token_key`), cut to 128 bits and written in URL-safe base64. Without
the secret no other ref's token can be made, and the secret cannot be read back
from a token. The token proves the URL was made by whoever holds the secret; it
does not prove a body is true: confirm each callback against the API.

Only the query is read back, so a proxy that rewrites the scheme, host or path
does not break a token; a ref unique across kinds (an order's own reference)
keeps one kind's URL from serving another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from common import ValidationError

__all__ = [
    "MAX_REF_LENGTH",
    "REF",
    "TOKEN",
    "TOKEN_BYTES",
    "TOKEN_LABEL",
    "callback_token",
    "callback_url",
    "token_key",
    "verify_callback_url",
]

#: The query parameters a callback URL carries.
REF = "ref"
TOKEN = "token"  # noqa: S105 - a parameter's name
#: The label the token key is derived with: a key for this use only, never the secret itself.
TOKEN_LABEL = b"bitexgate callback-url token v1"
#: The token's length: 128 bits, 22 URL-safe base64 characters.
TOKEN_BYTES = 16
#: The longest `ref`: an order id, not a document.
MAX_REF_LENGTH = 128


def token_key(secret: str) -> bytes:
    """The key callback tokens are made with: HMAC-SHA256 of `TOKEN_LABEL`, keyed with `secret`."""
    return hmac.new(secret.encode(), TOKEN_LABEL, hashlib.sha256).digest()


def callback_token(key: bytes, ref: str) -> str:
    """The token of `ref`: its HMAC-SHA256 under `key`, cut to `TOKEN_BYTES`, URL-safe base64."""
    digest = hmac.new(key, ref.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _ref(value: Any) -> str:
    """`value` checked as a ref: text of 1 to `MAX_REF_LENGTH` printable characters."""
    if not isinstance(value, str):
        raise ValidationError(REF, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(REF, "is required and must not be empty")
    if len(value) > MAX_REF_LENGTH:
        raise ValidationError(REF, f"must be at most {MAX_REF_LENGTH} characters")
    if not value.isprintable() or value != value.strip():
        raise ValidationError(REF, "must not contain surrounding whitespace or control characters")
    return value


def _url_text(field: str, value: Any) -> str:
    if isinstance(value, httpx.URL):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a str or an httpx.URL, got {type(value).__name__}")
    return value


def callback_url(key: bytes, base_url: str | httpx.URL, ref: str) -> str:
    """`base_url` with `ref=<ref>&token=<token>` added to its query, other parameters kept.

    Raises ValidationError for a ref that is not sane text, a base URL that is
    not an absolute http(s) URL, or one whose query has a `ref` or `token` already.
    """
    ref = _ref(ref)
    text = _url_text("base_url", base_url).strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        raise ValidationError("base_url", "must be a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ValidationError("base_url", "must be an absolute http(s) URL with a host")
    taken = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    clash = sorted(taken & {REF, TOKEN})
    if clash:
        raise ValidationError(
            "base_url", f"must not carry {' or '.join(clash)} in its query: they are added here"
        )
    added = urlencode([(REF, ref), (TOKEN, callback_token(key, ref))])
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def verify_callback_url(key: bytes, url: str | httpx.URL) -> bool:
    """Whether `url` carries exactly one `ref` and the one token `callback_url` gives it.

    Compared in constant time. False for a missing, repeated, forged or garbled
    token or ref; the scheme, host, path and other parameters are not looked at.
    """
    text = _url_text("url", url)
    try:
        pairs = parse_qsl(urlsplit(text).query, keep_blank_values=True)
    except ValueError:
        return False
    refs = [value for name, value in pairs if name == REF]
    tokens = [value for name, value in pairs if name == TOKEN]
    if len(refs) != 1 or len(tokens) != 1:
        return False
    try:
        ref = _ref(refs[0])
    except ValidationError:
        return False
    expected = callback_token(key, ref).encode("ascii")
    return hmac.compare_digest(tokens[0].encode("utf-8", errors="replace"), expected)
