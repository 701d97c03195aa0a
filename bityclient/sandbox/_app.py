"""`BitySandbox`: the Bity v1 API as an ASGI app, on top of the state in `_state.py`.

This module only does HTTP: it reads requests (form, JSON, query, bearer
token), calls the state, and writes its answer or its error in Bity's shape.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common._sandbox import Sandbox, control_routes, json_response

from .._auth import utcnow
from ._pages import paginate
from ._state import (
    DEMO_CLIENT_ID,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    ORDER_SORT_KEYS,
    RATE_SORT_KEYS,
    ApiError,
    BityState,
    render_order,
    render_order_summary,
    render_rate,
)

__all__ = ["RATE_PAGE_SIZE", "BitySandbox", "error_body"]

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

_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: The rate list's own page size: the reference's sample answers `GET /rate2/` with
#: `"limit": 20` although it asked for none (tastypie pages per resource).
RATE_PAGE_SIZE = 20


def error_body(status: int, description: str) -> dict[str, str]:
    """Bity's error shape for a status: `{"error_description", "error"}`."""
    return {"error_description": description, "error": _ERROR_CODES.get(status, "error")}


def _api_error(error: ApiError) -> Response:
    return JSONResponse(error.body, status_code=error.status, headers=error.headers)


def _api(handler: Handler) -> Handler:
    """`handler`, with an ApiError it raises answered in Bity's error shape."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            return _api_error(error)

    return wrapped


async def _json_body(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_request", "The body is not valid JSON.") from None


class _ControlError(Exception):
    """Invalid input to a control route: 400 (or the given status)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _control(handler: Handler) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except _ControlError as error:
            return json_response({"detail": str(error)}, status_code=error.status)
        except KeyError as error:
            return json_response({"detail": str(error.args[0])}, status_code=404)
        except (ValueError, TypeError) as error:
            return json_response({"detail": str(error)}, status_code=400)

    return wrapped


async def _control_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    body = await request.body()
    if not body.strip() and not required:
        return {}
    try:
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise _ControlError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise _ControlError("the body must be a JSON object")
    return data


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _ControlError(f"unknown keys: {', '.join(unknown)} (allowed: {sorted(allowed)})")


def _positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


class BitySandbox(Sandbox):
    """An embedded, stateful Bity v1 server for tests, demos and local development.

    ```python
    sandbox = BitySandbox()
    async with BityClient(client_id=sandbox.client_id, transport=sandbox.transport(),
                          base_url="http://bity.sandbox") as bity:
        await bity.login(username=sandbox.username, password=sandbox.password)
    ```

    It serves `/o/token/`, `/api/v1/user_signup/verifyphone/`, `/api/v1/rate2/`,
    `/api/v1/rate_we_sell/{PAIR}/`, `/api/v1/rate_we_buy/{PAIR}/` and
    `/api/v1/order/` as the reference documents them (see `_state.py` for the
    rules where it is silent), with the journal and fault injection of
    `common._sandbox.Sandbox`, and control routes under `/sandbox/`.

    The demo user (`username`, `password`) exists from the start; if the username
    is a phone number, its activation is pending with `DEMO_PHONE_CODE`.

    Like `GatewaySandbox`, it can be used in `async with` and closed with
    `aclose()` (it holds nothing to release today; code written that way keeps
    working if it ever does).
    """

    def __init__(
        self,
        *,
        client_id: str = DEMO_CLIENT_ID,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
        access_token_lifetime: int = 36000,
        default_page_size: int = 5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(error_body=error_body, epoch_clock=lambda: clock().timestamp())
        self._client_id = client_id
        self._username = username
        self._password = password
        self._initial_lifetime = _positive_int(
            "access_token_lifetime", access_token_lifetime, minimum=0
        )
        self._initial_page_size = _positive_int("default_page_size", default_page_size)
        self._clock = clock
        self._state = self._new_state()
        self._page_size = self._initial_page_size
        starlette_app = Starlette(
            routes=[*self._api_routes(), *control_routes(self), *self._control_routes()],
            exception_handlers={HTTPException: self._http_error},
        )
        self.app = self.wrap(starlette_app)

    def __repr__(self) -> str:
        return f"<BitySandbox client_id={self._client_id!r} username={self._username!r}>"

    def _new_state(self) -> BityState:
        return BityState(
            client_id=self._client_id,
            username=self._username,
            password=self._password,
            access_token_lifetime=self._initial_lifetime,
            clock=self._clock,
        )

    # --- the demo account and settings ---------------------------------------------------------

    @property
    def client_id(self) -> str:
        """The one OAuth client id the token endpoint accepts."""
        return self._client_id

    @property
    def username(self) -> str:
        """The demo user's username (a phone number by default)."""
        return self._username

    @property
    def password(self) -> str:
        """The demo user's password."""
        return self._password

    @property
    def access_token_lifetime(self) -> int:
        """Seconds an access token lives; grants answer it as `expires_in`. Settable."""
        return self._state.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self._state.access_token_lifetime = _positive_int(
            "access_token_lifetime", seconds, minimum=0
        )

    @property
    def default_page_size(self) -> int:
        """The `limit` of an order list that asks for none (the reference: 5). Settable."""
        return self._page_size

    @default_page_size.setter
    def default_page_size(self, size: int) -> None:
        self._page_size = _positive_int("default_page_size", size)

    @property
    def invalid_grant_status(self) -> int:
        """The status of an `invalid_grant` answer: 401 (the reference) or 400 (oauthlib)."""
        return self._state.invalid_grant_status

    @invalid_grant_status.setter
    def invalid_grant_status(self, status: int) -> None:
        if status not in (400, 401):
            raise ValueError(f"invalid_grant_status must be 400 or 401, got {status!r}")
        self._state.invalid_grant_status = status

    @property
    def tokens_issued(self) -> int:
        """Tokens issued so far, by either grant."""
        return self._state.tokens_issued

    @property
    def refreshes(self) -> int:
        """Refresh grants answered with a new token so far."""
        return self._state.refreshes

    # --- controls ------------------------------------------------------------------------------

    def seed_demo_data(self) -> None:
        """A few orders in different states (executed, paid, open, cancelled) for the demo user."""
        self._state.seed_demo_data(self._username)

    def add_user(self, username: str, password: str) -> None:
        """Another user who can log in (with orders of their own)."""
        self._state.add_user(username, password)

    def register_phone(self, phone: str, code: str | None = None) -> str:
        """A pending activation for `phone`; returns the code the "SMS" carries."""
        return self._state.register_phone(phone, code)

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens stay valid)."""
        self._state.expire_tokens()

    def revoke_session(self) -> None:
        """Every access and refresh token becomes invalid: the next refresh is refused."""
        self._state.revoke_session()

    def set_rate(
        self,
        pair: str,
        *,
        rate: Decimal,
        spread: Decimal = Decimal("0.01"),
        enabled: bool = True,
    ) -> None:
        """Quote `pair` at mid `rate`; Bity sells at `rate * (1 + spread)`, buys at `1 - spread`.

        The reverse pair follows (setting `EURETH` sets `ETHEUR` to the inverse).
        A disabled pair is listed with `is_enabled: false` and in `meta.disabled`,
        and is not served or traded.
        """
        self._state.set_rate(pair, rate=rate, spread=spread, enabled=enabled)

    def advance_order(self, order_id: int, *, to: str = "EXEC") -> dict[str, Any]:
        """Move an order on; returns it as `POST /order/` shows it.

        `to="CONF"`: its payment arrived (input CONF). `to="EXEC"`: executed (input
        CONF, output FILL, status EXEC). `to="CANC"`: cancelled. KeyError for an
        unknown order, ValueError if it is no longer OPEN.
        """
        return self._state.advance_order(order_id, to)

    def reset(self) -> None:
        """Back to the state at construction: users, tokens, rates, orders, settings,
        counters; the journal and the armed faults are cleared too."""
        self._state = self._new_state()
        self._page_size = self._initial_page_size
        self.clear_requests()
        self.clear_faults()

    # --- HTTP: the API -------------------------------------------------------------------------

    def _api_routes(self) -> list[Route]:
        return [
            Route("/o/token/", _api(self._token), methods=["POST"]),
            Route("/api/v1/user_signup/verifyphone/", _api(self._verify_phone), methods=["POST"]),
            Route("/api/v1/rate2/", _api(self._rates), methods=["GET"]),
            Route("/api/v1/rate2/{pair}/", _api(self._rate), methods=["GET"]),
            Route("/api/v1/rate_we_sell/{pair}/", _api(self._rate_we_sell), methods=["GET"]),
            Route("/api/v1/rate_we_buy/{pair}/", _api(self._rate_we_buy), methods=["GET"]),
            Route("/api/v1/order/", _api(self._orders), methods=["GET"]),
            Route("/api/v1/order/", _api(self._create_order), methods=["POST"]),
            Route("/api/v1/order/{order_id:int}/", _api(self._order), methods=["GET"]),
        ]

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = exc.headers if isinstance(exc, HTTPException) else None
        description = {404: "Not found.", 405: "Method not allowed."}.get(status, "Error.")
        return JSONResponse(error_body(status, description), status_code=status, headers=headers)

    async def _token(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != _FORM:
            raise ApiError(
                400,
                "invalid_request",
                f"The token request must be form-encoded ({_FORM}), "
                f"not {content_type or 'without a Content-Type'}.",
            )
        raw = await request.body()
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ApiError(400, "invalid_request", "The form is not UTF-8.") from None
        names = [name for name, _ in pairs]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ApiError(400, "invalid_request", f"Duplicate {', '.join(duplicated)} parameter.")
        answer = self._state.grant(dict(pairs))
        return JSONResponse(answer, headers=_NO_STORE)

    async def _verify_phone(self, request: Request) -> Response:
        return json_response(self._state.verify_phone(await _json_body(request)))

    async def _rates(self, request: Request) -> Response:
        disabled = self._state.disabled_pairs()
        body = paginate(
            self._state.rate_views(),
            path=request.url.path,
            query_string=request.url.query,
            default_limit=RATE_PAGE_SIZE,
            sort_keys=RATE_SORT_KEYS,
            render=render_rate,
            extra_meta={"disabled": ",".join(disabled)} if disabled else None,
        )
        return json_response(body)

    async def _rate(self, request: Request) -> Response:
        return json_response(render_rate(self._state.rate_view(request.path_params["pair"])))

    async def _rate_we_sell(self, request: Request) -> Response:
        return json_response(self._state.pair_rate("rate_we_sell", request.path_params["pair"]))

    async def _rate_we_buy(self, request: Request) -> Response:
        return json_response(self._state.pair_rate("rate_we_buy", request.path_params["pair"]))

    async def _orders(self, request: Request) -> Response:
        user = self._state.authenticate(request.headers.get("authorization"))
        body = paginate(
            self._state.orders_of(user),
            path=request.url.path,
            query_string=request.url.query,
            default_limit=self.default_page_size,
            sort_keys=ORDER_SORT_KEYS,
            render=render_order_summary,
        )
        return json_response(body)

    async def _create_order(self, request: Request) -> Response:
        user = self._state.authenticate(request.headers.get("authorization"))
        body = await _json_body(request)
        # From here on nothing awaits: the order is checked and recorded in one step.
        order = self._state.create_order(user, body)
        return JSONResponse(order, status_code=201, headers={"Location": order["resource_uri"]})

    async def _order(self, request: Request) -> Response:
        user = self._state.authenticate(request.headers.get("authorization"))
        order = self._state.order_of(user, request.path_params["order_id"])
        return json_response(render_order(order))

    # --- HTTP: the controls --------------------------------------------------------------------

    def _control_routes(self) -> list[Route]:
        return [
            Route("/sandbox/phones", _control(self._c_phones), methods=["POST"]),
            Route("/sandbox/users", _control(self._c_users), methods=["POST"]),
            Route("/sandbox/tokens/expire", _control(self._c_expire), methods=["POST"]),
            Route("/sandbox/tokens/revoke", _control(self._c_revoke), methods=["POST"]),
            Route("/sandbox/rates/{pair}", _control(self._c_rate), methods=["PUT"]),
            Route(
                "/sandbox/orders/{order_id}/advance", _control(self._c_advance), methods=["POST"]
            ),
            Route("/sandbox/settings", _control(self._c_get_settings), methods=["GET"]),
            Route("/sandbox/settings", _control(self._c_put_settings), methods=["PUT"]),
            Route("/sandbox/reset", _control(self._c_reset), methods=["POST"]),
            Route("/sandbox/seed", _control(self._c_seed), methods=["POST"]),
        ]

    async def _c_phones(self, request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"phone", "code"})
        if "phone" not in data:
            raise _ControlError("phone is required")
        code = self.register_phone(data["phone"], data.get("code"))
        return json_response({"code": code}, status_code=201)

    async def _c_users(self, request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"username", "password"})
        if "username" not in data or "password" not in data:
            raise _ControlError("username and password are required")
        user = self._state.add_user(data["username"], data["password"])
        return json_response({"username": user.username, "person": user.person_uri}, 201)

    async def _c_expire(self, request: Request) -> Response:
        return json_response({"expired": self._state.expire_tokens()})

    async def _c_revoke(self, request: Request) -> Response:
        return json_response({"revoked": self._state.revoke_session()})

    async def _c_rate(self, request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"rate", "spread", "enabled"})
        if "rate" not in data:
            raise _ControlError("rate is required")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _ControlError("enabled must be true or false")
        pair = request.path_params["pair"]
        self.set_rate(
            pair, rate=data["rate"], spread=data.get("spread", Decimal("0.01")), enabled=enabled
        )
        return json_response(render_rate(self._state.rate_view(pair)))

    async def _c_advance(self, request: Request) -> Response:
        raw_id = request.path_params["order_id"]
        if not raw_id.isdigit():
            raise _ControlError(f"no order {raw_id!r}", status=404)
        data = await _control_body(request, required=False)
        _only(data, {"to"})
        to = data.get("to", "EXEC")
        return json_response(self.advance_order(int(raw_id), to=to))

    def _settings(self) -> dict[str, Any]:
        return {
            "access_token_lifetime": self.access_token_lifetime,
            "default_page_size": self.default_page_size,
            "invalid_grant_status": self.invalid_grant_status,
            "tokens_issued": self.tokens_issued,
            "refreshes": self.refreshes,
        }

    async def _c_get_settings(self, request: Request) -> Response:
        return json_response(self._settings())

    async def _c_put_settings(self, request: Request) -> Response:
        data = await _control_body(request)
        allowed = {"access_token_lifetime", "default_page_size", "invalid_grant_status"}
        _only(data, allowed)
        if not data:
            raise _ControlError(f"give at least one of {sorted(allowed)}")
        # Check every value before changing any.
        lifetime = data.get("access_token_lifetime", self.access_token_lifetime)
        page_size = data.get("default_page_size", self.default_page_size)
        grant_status = data.get("invalid_grant_status", self.invalid_grant_status)
        _positive_int("access_token_lifetime", lifetime, minimum=0)
        _positive_int("default_page_size", page_size)
        if grant_status not in (400, 401) or isinstance(grant_status, bool):
            raise _ControlError(f"invalid_grant_status must be 400 or 401, got {grant_status!r}")
        self.access_token_lifetime = lifetime
        self.default_page_size = page_size
        self.invalid_grant_status = grant_status
        return json_response(self._settings())

    async def _c_reset(self, request: Request) -> Response:
        self.reset()
        return json_response({"reset": True})

    async def _c_seed(self, request: Request) -> Response:
        ids = self._state.seed_demo_data(self._username)
        return json_response({"orders": [f"/api/v1/order/{i}/" for i in ids]}, status_code=201)
