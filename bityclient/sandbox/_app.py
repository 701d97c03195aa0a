"""The sandbox's HTTP face: Bity's routes, as the reference documents them.

This module only does HTTP: each route reads its request (form, JSON, query,
bearer token), calls the state, and writes its answer, or the `ApiError` the
state raised, in Bity's shape. Lists are tastypie pages (`_pages.py`).

`build_app` puts these routes together with the sandbox's own controls under
`/sandbox/` (see `_control_routes.py` and `common._sandbox.control_routes`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from common._sandbox import json_response

from ._forms import read_token_form
from ._http import api_endpoint, http_error, json_body
from ._pages import paginate
from ._records import Order, RateView
from ._render import render_order, render_order_summary, render_rate
from ._state import BityState

__all__ = [
    "ORDER_SORT_KEYS",
    "RATE_PAGE_SIZE",
    "RATE_SORT_KEYS",
    "BityHost",
    "api_routes",
    "build_app",
]

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: The rate list's own page size: the reference's sample answers `GET /rate2/` with
#: `"limit": 20` although it asked for none (tastypie pages per resource).
RATE_PAGE_SIZE = 20

#: The fields `order_by` may name on the order list.
ORDER_SORT_KEYS: dict[str, Callable[[Order], Any]] = {
    "id": lambda order: order.id,
    "timestamp_created": lambda order: order.created,
    "status": lambda order: order.status,
    "category": lambda order: order.category,
}

#: The fields `order_by` may name on the rate list.
RATE_SORT_KEYS: dict[str, Callable[[RateView], Any]] = {
    "pair": lambda view: view.pair,
    "source": lambda view: view.source,
    "target": lambda view: view.target,
    "rate": lambda view: view.rate,
    "rate_we_buy": lambda view: view.we_buy,
    "rate_we_sell": lambda view: view.we_sell,
    "timestamp": lambda view: view.timestamp,
    "is_enabled": lambda view: view.enabled,
}


class BityHost(Protocol):
    """What the API's routes read from the sandbox that serves them."""

    @property
    def state(self) -> BityState: ...

    @property
    def default_page_size(self) -> int: ...


def build_app(routes: Sequence[BaseRoute]) -> Starlette:
    """A Starlette app of `routes` that answers routing errors in Bity's shape."""
    return Starlette(routes=list(routes), exception_handlers={HTTPException: http_error})


def api_routes(sandbox: BityHost) -> list[Route]:
    """The documented endpoints; each reads the sandbox's state when it is called."""

    async def token(request: Request) -> Response:
        form = read_token_form(request.headers.get("content-type", ""), await request.body())
        answer = sandbox.state.accounts.grant(form)
        return JSONResponse(answer, headers=_NO_STORE)

    async def verify_phone(request: Request) -> Response:
        return json_response(sandbox.state.accounts.verify_phone(await json_body(request)))

    async def rates(request: Request) -> Response:
        state = sandbox.state
        disabled = state.disabled_pairs()
        body = paginate(
            state.rate_views(),
            path=request.url.path,
            query_string=request.url.query,
            default_limit=RATE_PAGE_SIZE,
            sort_keys=RATE_SORT_KEYS,
            render=render_rate,
            extra_meta={"disabled": ",".join(disabled)} if disabled else None,
        )
        return json_response(body)

    async def rate(request: Request) -> Response:
        return json_response(render_rate(sandbox.state.rate_view(request.path_params["pair"])))

    async def rate_we_sell(request: Request) -> Response:
        return json_response(sandbox.state.pair_rate("rate_we_sell", request.path_params["pair"]))

    async def rate_we_buy(request: Request) -> Response:
        return json_response(sandbox.state.pair_rate("rate_we_buy", request.path_params["pair"]))

    async def orders(request: Request) -> Response:
        state = sandbox.state
        user = state.accounts.authenticate(request.headers.get("authorization"))
        body = paginate(
            state.orders_of(user),
            path=request.url.path,
            query_string=request.url.query,
            default_limit=sandbox.default_page_size,
            sort_keys=ORDER_SORT_KEYS,
            render=render_order_summary,
        )
        return json_response(body)

    async def create_order(request: Request) -> Response:
        user = sandbox.state.accounts.authenticate(request.headers.get("authorization"))
        body = await json_body(request)
        # From here on nothing awaits: the order is checked and recorded in one step.
        order = sandbox.state.create_order(user, body)
        return JSONResponse(order, status_code=201, headers={"Location": order["resource_uri"]})

    async def order(request: Request) -> Response:
        state = sandbox.state
        user = state.accounts.authenticate(request.headers.get("authorization"))
        return json_response(render_order(state.order_of(user, request.path_params["order_id"])))

    return [
        Route("/o/token/", api_endpoint(token), methods=["POST"]),
        Route("/api/v1/user_signup/verifyphone/", api_endpoint(verify_phone), methods=["POST"]),
        Route("/api/v1/rate2/", api_endpoint(rates), methods=["GET"]),
        Route("/api/v1/rate2/{pair}/", api_endpoint(rate), methods=["GET"]),
        Route("/api/v1/rate_we_sell/{pair}/", api_endpoint(rate_we_sell), methods=["GET"]),
        Route("/api/v1/rate_we_buy/{pair}/", api_endpoint(rate_we_buy), methods=["GET"]),
        Route("/api/v1/order/", api_endpoint(orders), methods=["GET"]),
        Route("/api/v1/order/", api_endpoint(create_order), methods=["POST"]),
        Route("/api/v1/order/{order_id:int}/", api_endpoint(order), methods=["GET"]),
    ]
