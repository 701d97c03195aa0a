"""How the sandbox answers and reads HTTP: Bity's error shape, JSON bodies, routing errors.

Shared by the API's routes (`_app.py`) and the sandbox itself (an injected
failure answers in `error_body`'s shape): an `ApiError` a route raises becomes
its answer, a body that is not JSON a 400, an unknown path or method a 404 or
405 in Bity's shape.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._errors import ApiError

__all__ = ["Handler", "api_endpoint", "error_body", "http_error", "json_body"]

Handler = Callable[[Request], Awaitable[Response]]

#: The `error` code an injected failure (or a routing error) answers with, by status.
_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
    500: "server_error",
    502: "bad_gateway",
    503: "temporarily_unavailable",
    504: "gateway_timeout",
}


def error_body(status: int, description: str) -> dict[str, str]:
    """Bity's error shape for a status: `{"error_description", "error"}`."""
    return {"error_description": description, "error": _ERROR_CODES.get(status, "error")}


def _api_error(error: ApiError) -> Response:
    return JSONResponse(error.body, status_code=error.status, headers=error.headers)


def api_endpoint(handler: Handler) -> Handler:
    """`handler`, with an ApiError it raises answered in Bity's error shape."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            return _api_error(error)

    return wrapped


async def json_body(request: Request) -> Any:
    """The request's JSON body (numbers with a fraction as Decimal), or a 400."""
    body = await request.body()
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_request", "The body is not valid JSON.") from None


async def http_error(request: Request, exc: Exception) -> Response:
    """The answer to Starlette's HTTPException (no route, no such method), in Bity's shape."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = exc.headers if isinstance(exc, HTTPException) else None
    description = {404: "Not found.", 405: "Method not allowed."}.get(status, "Error.")
    return JSONResponse(error_body(status, description), status_code=status, headers=headers)
