"""The sandbox's HTTP face: the gateway's routes, as the reference documents them.

Every `/api/gateway/...` route checks the signature first (401 with the reason),
then the method (405), then reads the body: an empty body is an empty form, a
body that is not `application/json` is a 415 and malformed JSON a 400
`{"detail": "JSON parse error - ..."}`, as Django REST framework answers. An
unknown path is a 404 `{"detail": "Not found."}`. Successful creates answer 201.

`build_app` puts these routes together with the sandbox's own controls under
`/sandbox/` (unauthenticated, never journaled or faulted: see
`_control_routes.py` and `common._sandbox.control_routes`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .._enums import DepositStatus, WithdrawStatus
from ._auth import verify
from ._errors import InvalidInput
from ._http import Refusal, api_response, detail_response, http_error, parse_body
from ._pages import InvalidPage, filter_records, order, paginate
from ._records import Deposit, Invoice, Wallet, Withdrawal
from ._render import (
    deposit_json,
    invoice_created_json,
    invoice_json,
    invoice_payment_json,
    method_json,
    wallet_json,
    withdrawal_created_json,
    withdrawal_json,
)
from ._state import GatewayState

__all__ = ["GatewayHost", "build_app", "gateway_routes"]

T = TypeVar("T")

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, bytes], Awaitable[Response]]

#: Paths of the gateway, as the reference documents them.
PAYMENT_METHODS = "/api/gateway/payment-methods"
WALLET_CREATE = "/api/gateway/wallet/create"
WALLETS = "/api/gateway/wallets"
WALLET_HISTORY = "/api/gateway/wallet/history"
INVOICE_CREATE = "/api/gateway/invoice/create"
INVOICES = "/api/gateway/invoices"
INVOICE_HISTORY = "/api/gateway/invoice/history"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"


class GatewayHost(Protocol):
    """What the gateway's routes read from the sandbox that serves them."""

    max_signature_window: float
    default_page_size: int

    @property
    def api_key(self) -> str: ...

    @property
    def secret(self) -> str: ...

    @property
    def clock(self) -> Callable[[], float]: ...

    @property
    def state(self) -> GatewayState: ...


def build_app(routes: Sequence[BaseRoute]) -> Starlette:
    """A Starlette app of `routes` that answers routing errors as DRF does."""
    app = Starlette(routes=list(routes), exception_handlers={HTTPException: http_error})
    # DRF answers an unknown path with 404; it does not redirect `/wallets/` to `/wallets`.
    app.router.redirect_slashes = False
    return app


def gateway_routes(sandbox: GatewayHost) -> list[Route]:
    """The documented endpoints, each behind the signature check."""
    state = sandbox.state

    def endpoint(handlers: Mapping[str, Handler]) -> Endpoint:
        allowed = ", ".join(handlers)

        async def handle(request: Request) -> Response:
            raw = await request.body()
            reason = verify(
                request.headers,
                path=request.scope["path"],
                body=raw,
                api_key=sandbox.api_key,
                secret=sandbox.secret,
                now=sandbox.clock(),
                max_window=sandbox.max_signature_window,
            )
            if reason is not None:
                return detail_response(401, reason)
            handler = handlers.get(request.method)
            if handler is None:
                return detail_response(
                    405, f'Method "{request.method}" not allowed.', {"Allow": allowed}
                )
            try:
                return await handler(request, raw)
            except InvalidInput as exc:
                return api_response(exc.errors, 400)
            except InvalidPage:
                return detail_response(404, "Invalid page.")
            except Refusal as exc:
                return exc.response

        return handle

    def listing(
        request: Request,
        records: Sequence[T],
        render: Callable[[T], dict[str, Any]],
        keys: Mapping[str, Callable[[T], Any]],
    ) -> Response:
        query = request.query_params
        ordered = order(records, query.get("ordering"), keys, "-id")
        page = paginate(
            ordered, url=str(request.url), query=query, default_size=sandbox.default_page_size
        )
        return api_response(
            {
                "count": page.count,
                "next": page.next,
                "previous": page.previous,
                "results": [render(item) for item in page.items],
            }
        )

    def body(request: Request, raw: bytes) -> Any:
        return parse_body(request.headers.get("content-type"), raw)

    async def payment_methods(request: Request, raw: bytes) -> Response:
        methods = order(
            list(state.methods.values()),
            request.query_params.get("ordering"),
            {"id": lambda method: method.id},
            "id",
        )
        return api_response([method_json(method) for method in methods])

    async def wallet_create(request: Request, raw: bytes) -> Response:
        wallet = state.create_wallet(body(request, raw))
        return api_response(wallet_json(wallet), 201)

    async def wallets(request: Request, raw: bytes) -> Response:
        return listing(request, state.wallets, wallet_json, _WALLET_KEYS)

    async def wallet_history(request: Request, raw: bytes) -> Response:
        deposits = filter_records(
            state.deposits, request.query_params, _WALLET_DEPOSIT_FILTERS, statuses=DepositStatus
        )
        return listing(request, deposits, deposit_json, _DEPOSIT_KEYS)

    async def invoice_create(request: Request, raw: bytes) -> Response:
        base = str(request.base_url).rstrip("/")
        invoice = state.create_invoice(
            body(request, raw), pay_url=lambda slug: f"{base}/sandbox/pay/{quote(slug)}"
        )
        return api_response(invoice_created_json(invoice), 201)

    async def invoices(request: Request, raw: bytes) -> Response:
        return listing(request, state.invoices, invoice_json, _INVOICE_KEYS)

    async def invoice_history(request: Request, raw: bytes) -> Response:
        payments = filter_records(
            state.invoice_payments,
            request.query_params,
            _INVOICE_PAYMENT_FILTERS,
            statuses=DepositStatus,
        )
        return listing(request, payments, invoice_payment_json, _DEPOSIT_KEYS)

    async def withdraw_create(request: Request, raw: bytes) -> Response:
        withdrawal = state.create_withdrawal(body(request, raw))
        return api_response(withdrawal_created_json(withdrawal), 201)

    async def withdraw_history(request: Request, raw: bytes) -> Response:
        withdrawals = filter_records(
            state.withdrawals,
            request.query_params,
            _WITHDRAWAL_FILTERS,
            statuses=WithdrawStatus,
        )
        return listing(request, withdrawals, withdrawal_json, _WITHDRAWAL_KEYS)

    table: list[tuple[str, dict[str, Handler]]] = [
        (PAYMENT_METHODS, {"GET": payment_methods}),
        (WALLET_CREATE, {"POST": wallet_create}),
        (WALLETS, {"GET": wallets}),
        (WALLET_HISTORY, {"GET": wallet_history}),
        (INVOICE_CREATE, {"POST": invoice_create}),
        (INVOICES, {"GET": invoices}),
        (INVOICE_HISTORY, {"GET": invoice_history}),
        (WITHDRAW_CREATE, {"POST": withdraw_create}),
        (WITHDRAW_HISTORY, {"GET": withdraw_history}),
    ]
    # Every method reaches the endpoint: the signature is checked before the method,
    # as DRF authenticates before it dispatches.
    return [Route(path, endpoint(handlers), methods=_ANY_METHOD) for path, handlers in table]


_ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _status(record: Deposit | Withdrawal) -> str:
    return str(int(record.status))


def _none(record: object) -> None:
    return None


_WALLET_KEYS: dict[str, Callable[[Wallet], Any]] = {
    "id": lambda w: w.id,
    "created_at": lambda w: w.created_at,
}
_INVOICE_KEYS: dict[str, Callable[[Invoice], Any]] = {
    "id": lambda i: i.id,
    "created_at": lambda i: i.created_at,
    "amount": lambda i: i.amount,
}
_DEPOSIT_KEYS: dict[str, Callable[[Deposit], Any]] = {
    "id": lambda d: d.id,
    "created_at": lambda d: d.created_at,
    "date": lambda d: d.created_at,
    "amount": lambda d: d.amount,
    "status": lambda d: int(d.status),
}
_WITHDRAWAL_KEYS: dict[str, Callable[[Withdrawal], Any]] = {
    "id": lambda w: w.id,
    "created_at": lambda w: w.created_at,
    "amount": lambda w: w.amount,
    "status": lambda w: int(w.status),
}
_WALLET_DEPOSIT_FILTERS: dict[str, Callable[[Any], str | None]] = {
    "ticker": lambda d: d.method.ticker,
    "network": lambda d: d.method.network,
    "status": _status,
    "txid": lambda d: d.txid,
    "address": lambda d: d.wallet.address,
    "payment_id": _none,
    "memo": _none,
    "destination_tag": _none,
}
_INVOICE_PAYMENT_FILTERS = {**_WALLET_DEPOSIT_FILTERS, "address": _none}
_WITHDRAWAL_FILTERS: dict[str, Callable[[Any], str | None]] = {
    "ticker": lambda w: w.method.ticker,
    "network": lambda w: w.method.network,
    "status": _status,
    "txid": lambda w: w.txid,
    "address": lambda w: w.address,
}
