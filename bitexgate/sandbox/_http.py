"""How the sandbox answers and reads HTTP, as Django REST framework does.

Shared by the gateway's routes (`_app.py`) and the sandbox's own controls
(`_control_routes.py`): JSON answers with exact Decimals, `{"detail": ...}`
errors, DRF's answers to an unknown path (404) or method (405), and DRF's
JSONParser for request bodies. A handler that must answer early raises
`Refusal` with the answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from common import encode_json

__all__ = ["Refusal", "api_response", "detail_response", "http_error", "parse_body"]


def api_response(
    data: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer; Decimals are written as the exact numbers they hold."""
    return Response(
        encode_json(data),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type="application/json",
    )


def detail_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """DRF's error answer: `{"detail": message}`."""
    return api_response({"detail": message}, status_code, headers)


class Refusal(Exception):
    """An answer that ends the handling of a request early."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _strict_constant(name: str) -> NoReturn:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def parse_body(content_type: str | None, raw: bytes) -> Any:
    """The request data as DRF's JSONParser gives it; raises Refusal (415 or 400).

    Like DRF's parser (Python's `json` module), a JSON number with a fraction or
    an exponent becomes a binary float, which a DecimalField then reads through
    `str()`: `999999999.99999999` is stored as `1000000000.00000000`. JSON strings
    are read exactly.
    """
    if not raw:
        return {}
    media_type = (content_type or "").split(";")[0].strip()
    if media_type.lower() != "application/json":
        raise Refusal(detail_response(415, f'Unsupported media type "{media_type}" in request.'))
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_strict_constant)
    except (ValueError, RecursionError) as exc:
        raise Refusal(detail_response(400, f"JSON parse error - {exc}")) from None


async def http_error(request: Request, exc: Exception) -> Response:
    """The answer to Starlette's HTTPException (no route, no such method), as DRF writes it."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - only registered for it
        raise exc
    if exc.status_code == 404:
        message = "Not found."
    elif exc.status_code == 405:
        message = f'Method "{request.method}" not allowed.'
    else:
        message = str(exc.detail)
    return detail_response(exc.status_code, message, exc.headers)
