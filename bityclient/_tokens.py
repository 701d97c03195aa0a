"""Storing a Bity session: a token as JSON-ready data, and back, checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from common import ValidationError

from . import _validation as check
from ._decode import converter
from ._models import Token

__all__ = ["dump_token", "load_token", "token_from_json", "token_to_json"]


def dump_token(token: Token) -> dict[str, Any]:
    """A JSON-ready dict of `token` (expiry as ISO 8601 text), for storing a session.

    It holds the access and refresh tokens: store it as a secret.
    """
    data: dict[str, Any] = converter.unstructure(token)
    return data


def load_token(data: Mapping[str, Any]) -> Token:
    """A Token from what `dump_token` produced; ValidationError if it is not one.

    Its access and refresh tokens must follow RFC 6750's bearer-token grammar;
    the error names the one that does not, never its value.
    """
    try:
        token = converter.structure(dict(data), Token)
    except Exception as exc:  # cattrs raises many kinds; all mean "not a stored token"
        raise ValidationError("token", "is not a stored token (see dump_token)") from exc
    return check.bearer_tokens(token)


def token_to_json(token: Token, *, indent: int | None = None) -> str:
    """`dump_token(token)` as JSON text, as a token store keeps it (a secret)."""
    return json.dumps(dump_token(token), indent=indent)


def token_from_json(text: str | bytes) -> Token:
    """The Token in JSON text from `token_to_json`; ValidationError if it holds none.

    The error never shows the text: it may hold the tokens.
    """
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError("token", "is not a stored token (not JSON)") from None
    if not isinstance(data, dict):
        raise ValidationError("token", "is not a stored token (not a JSON object)")
    return load_token(data)
