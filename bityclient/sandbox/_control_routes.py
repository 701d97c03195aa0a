"""The sandbox's own controls over HTTP, for a test in another process.

Routes under `/sandbox/` register phones and users, expire or revoke tokens,
set rates, move orders on, read and change the settings, reset and seed. They
are unauthenticated and never journaled or faulted; bad input is a 400 and an
unknown order a 404, both `{"detail": ...}`. The journal and the faults have
routes of their own (`common._sandbox.control_routes`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from common._sandbox import Param, control, index_route, json_response

from ._demo import seed
from ._forms import positive_int
from ._http import Handler
from ._render import render_rate
from ._state import BityState

__all__ = ["ControlledBity", "control_api"]


class ControlledBity(Protocol):
    """What the control routes drive: the sandbox's public controls, settings and state."""

    access_token_lifetime: int
    default_page_size: int
    invalid_grant_status: int

    @property
    def state(self) -> BityState: ...

    @property
    def username(self) -> str: ...

    @property
    def tokens_issued(self) -> int: ...

    @property
    def refreshes(self) -> int: ...

    def register_phone(self, phone: str, code: str | None = None) -> str: ...

    def set_rate(
        self,
        pair: str,
        *,
        rate: Decimal,
        spread: Decimal = ...,
        enabled: bool = True,
    ) -> None: ...

    def advance_order(self, order_id: int, *, to: str = "EXEC") -> dict[str, Any]: ...

    def reset(self) -> None: ...


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


def _settings(sandbox: ControlledBity) -> dict[str, Any]:
    return {
        "access_token_lifetime": sandbox.access_token_lifetime,
        "default_page_size": sandbox.default_page_size,
        "invalid_grant_status": sandbox.invalid_grant_status,
        "tokens_issued": sandbox.tokens_issued,
        "refreshes": sandbox.refreshes,
    }


def control_api(sandbox: ControlledBity) -> list[Route]:
    """The controls a test in another process drives the sandbox with, and their index.

    Each route says what it does and takes, as `GET /sandbox/` lists it.
    """

    async def phones(request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"phone", "code"})
        if "phone" not in data:
            raise _ControlError("phone is required")
        code = sandbox.register_phone(data["phone"], data.get("code"))
        return json_response({"code": code}, status_code=201)

    async def users(request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"username", "password"})
        if "username" not in data or "password" not in data:
            raise _ControlError("username and password are required")
        user = sandbox.state.accounts.add_user(data["username"], data["password"])
        return json_response({"username": user.username, "person": user.person_uri}, 201)

    async def expire(request: Request) -> Response:
        return json_response({"expired": sandbox.state.accounts.expire_tokens()})

    async def revoke(request: Request) -> Response:
        return json_response({"revoked": sandbox.state.accounts.revoke_session()})

    async def rate(request: Request) -> Response:
        data = await _control_body(request)
        _only(data, {"rate", "spread", "enabled"})
        if "rate" not in data:
            raise _ControlError("rate is required")
        enabled = data.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _ControlError("enabled must be true or false")
        pair = request.path_params["pair"]
        sandbox.set_rate(
            pair, rate=data["rate"], spread=data.get("spread", Decimal("0.01")), enabled=enabled
        )
        return json_response(render_rate(sandbox.state.rate_view(pair)))

    async def advance(request: Request) -> Response:
        raw_id = request.path_params["order_id"]
        if not raw_id.isdigit():
            raise _ControlError(f"no order {raw_id!r}", status=404)
        data = await _control_body(request, required=False)
        _only(data, {"to"})
        to = data.get("to", "EXEC")
        return json_response(sandbox.advance_order(int(raw_id), to=to))

    async def get_settings(request: Request) -> Response:
        return json_response(_settings(sandbox))

    async def put_settings(request: Request) -> Response:
        data = await _control_body(request)
        allowed = {"access_token_lifetime", "default_page_size", "invalid_grant_status"}
        _only(data, allowed)
        if not data:
            raise _ControlError(f"give at least one of {sorted(allowed)}")
        # Check every value before changing any.
        lifetime = data.get("access_token_lifetime", sandbox.access_token_lifetime)
        page_size = data.get("default_page_size", sandbox.default_page_size)
        grant_status = data.get("invalid_grant_status", sandbox.invalid_grant_status)
        positive_int("access_token_lifetime", lifetime, minimum=0)
        positive_int("default_page_size", page_size)
        if grant_status not in (400, 401) or isinstance(grant_status, bool):
            raise _ControlError(f"invalid_grant_status must be 400 or 401, got {grant_status!r}")
        sandbox.access_token_lifetime = lifetime
        sandbox.default_page_size = page_size
        sandbox.invalid_grant_status = grant_status
        return json_response(_settings(sandbox))

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return json_response({"reset": True})

    async def seed_demo(request: Request) -> Response:
        ids = seed(sandbox.state, sandbox.username)
        return json_response({"orders": [f"/api/v1/order/{i}/" for i in ids]}, status_code=201)

    return [
        control(
            "POST",
            "/sandbox/phones",
            _control(phones),
            "Register a phone whose activation is pending; answers the code the SMS carries.",
            Param("phone", "international format, e.g. +41790000000", required=True),
            Param("code", "the code to expect (default: a new one)"),
        ),
        control(
            "POST",
            "/sandbox/users",
            _control(users),
            "Add a user who can log in; answers its username and person URI.",
            Param("username", "a phone, e-mail or name, without spaces", required=True),
            Param("password", "its password", required=True),
        ),
        control(
            "POST",
            "/sandbox/tokens/expire",
            _control(expire),
            "Every access token issued so far expires now (refresh tokens stay valid).",
        ),
        control(
            "POST",
            "/sandbox/tokens/revoke",
            _control(revoke),
            "Every access and refresh token becomes invalid: the next refresh is refused.",
        ),
        control(
            "PUT",
            "/sandbox/rates/{pair}",
            _control(rate),
            "Quote a pair at a mid rate (the reverse pair follows); answers the rate as "
            "rate2 shows it.",
            Param("pair", "e.g. ETHCHF", where="path"),
            Param("rate", "the mid rate", type="decimal", required=True),
            Param(
                "spread",
                "Bity sells at rate * (1 + spread), buys at 1 - spread (0.01)",
                type="decimal",
            ),
            Param("enabled", "false: listed as disabled, not served or traded", type="boolean"),
        ),
        control(
            "POST",
            "/sandbox/orders/{order_id}/advance",
            _control(advance),
            "Move an open order on; answers it as POST /api/v1/order/ shows it.",
            Param("order_id", "the order's id", where="path"),
            Param("to", "CONF (paid), EXEC (executed, the default) or CANC (cancelled)"),
        ),
        control(
            "GET",
            "/sandbox/settings",
            _control(get_settings),
            "The settings and counters: access_token_lifetime, default_page_size, "
            "invalid_grant_status, tokens_issued, refreshes.",
        ),
        control(
            "PUT",
            "/sandbox/settings",
            _control(put_settings),
            "Change one or more settings; answers them all.",
            Param("access_token_lifetime", "seconds an access token lives", type="integer"),
            Param(
                "default_page_size", "the limit of an order list that asks for none", type="integer"
            ),
            Param(
                "invalid_grant_status", "400 or 401: the status of invalid_grant", type="integer"
            ),
        ),
        control(
            "POST",
            "/sandbox/reset",
            _control(reset),
            "Back to the state at start: users, tokens, rates, orders, settings, counters, "
            "the journal and the faults.",
        ),
        control(
            "POST",
            "/sandbox/seed",
            _control(seed_demo),
            "Add demo orders for the demo user; answers their URIs.",
        ),
        index_route("Bity v1"),
    ]
