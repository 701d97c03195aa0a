"""The sandbox's HTTP face: the gateway's routes, DRF's error answers, the controls.

Every `/api/gateway/...` route checks the signature first (401 with the reason),
then the method (405), then reads the body: an empty body is an empty form, a
body that is not `application/json` is a 415 and malformed JSON a 400
`{"detail": "JSON parse error - ..."}`, as Django REST framework answers. An
unknown path is a 404 `{"detail": "Not found."}`. Successful creates answer 201.

Routes under `/sandbox/` are the sandbox's own controls (unauthenticated, never
journaled or faulted): see `control_api`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from common import encode_json
from common._sandbox import control_routes

from .._enums import DepositStatus, WithdrawStatus
from . import _state
from ._auth import verify
from ._pages import InvalidPage, order, paginate

if TYPE_CHECKING:
    from ._sandbox import GatewaySandbox

__all__ = ["api_response", "build_app", "control_api", "gateway_routes", "parse_body"]

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


def _detail(status_code: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return api_response({"detail": message}, status_code, headers)


class _Refusal(Exception):
    """An answer that ends the handling of a request early."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _strict_constant(name: str) -> NoReturn:
    raise ValueError(f"Out of range float values are not JSON compliant: {name!r}")


def parse_body(content_type: str | None, raw: bytes) -> Any:
    """The request data as DRF's JSONParser gives it; raises _Refusal (415 or 400).

    Like DRF's parser (Python's `json` module), a JSON number with a fraction or
    an exponent becomes a binary float, which a DecimalField then reads through
    `str()`: `999999999.99999999` is stored as `1000000000.00000000`. JSON strings
    are read exactly.
    """
    if not raw:
        return {}
    media_type = (content_type or "").split(";")[0].strip()
    if media_type.lower() != "application/json":
        raise _Refusal(_detail(415, f'Unsupported media type "{media_type}" in request.'))
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_strict_constant)
    except (ValueError, RecursionError) as exc:
        raise _Refusal(_detail(400, f"JSON parse error - {exc}")) from None


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover - only registered for it
        raise exc
    if exc.status_code == 404:
        message = "Not found."
    elif exc.status_code == 405:
        message = f'Method "{request.method}" not allowed.'
    else:
        message = str(exc.detail)
    return _detail(exc.status_code, message, exc.headers)


def build_app(sandbox: GatewaySandbox) -> Starlette:
    """The Starlette app of `sandbox`: the gateway's routes and every control."""
    routes: list[BaseRoute] = [
        *gateway_routes(sandbox),
        *control_routes(sandbox),
        *control_api(sandbox),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    # DRF answers an unknown path with 404; it does not redirect `/wallets/` to `/wallets`.
    app.router.redirect_slashes = False
    return app


# ---------------------------------------------------------------------------
# The gateway


def gateway_routes(sandbox: GatewaySandbox) -> list[Route]:
    """The documented endpoints, each behind the signature check."""
    state = sandbox._state

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
                now=sandbox._clock(),
                max_window=sandbox.max_signature_window,
            )
            if reason is not None:
                return _detail(401, reason)
            handler = handlers.get(request.method)
            if handler is None:
                return _detail(405, f'Method "{request.method}" not allowed.', {"Allow": allowed})
            try:
                return await handler(request, raw)
            except _state.InvalidInput as exc:
                return api_response(exc.errors, 400)
            except InvalidPage:
                return _detail(404, "Invalid page.")
            except _Refusal as exc:
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
        return api_response([_state.method_json(method) for method in methods])

    async def wallet_create(request: Request, raw: bytes) -> Response:
        wallet = state.create_wallet(body(request, raw))
        return api_response(_state.wallet_json(wallet), 201)

    async def wallets(request: Request, raw: bytes) -> Response:
        return listing(request, state.wallets, _state.wallet_json, _WALLET_KEYS)

    async def wallet_history(request: Request, raw: bytes) -> Response:
        deposits = _state.filter_records(
            state.deposits, request.query_params, _WALLET_DEPOSIT_FILTERS, statuses=DepositStatus
        )
        return listing(request, deposits, _state.deposit_json, _DEPOSIT_KEYS)

    async def invoice_create(request: Request, raw: bytes) -> Response:
        base = str(request.base_url).rstrip("/")
        invoice = state.create_invoice(
            body(request, raw), pay_url=lambda slug: f"{base}/sandbox/pay/{quote(slug)}"
        )
        return api_response(_state.invoice_created_json(invoice), 201)

    async def invoices(request: Request, raw: bytes) -> Response:
        return listing(request, state.invoices, _state.invoice_json, _INVOICE_KEYS)

    async def invoice_history(request: Request, raw: bytes) -> Response:
        payments = _state.filter_records(
            state.invoice_payments,
            request.query_params,
            _INVOICE_PAYMENT_FILTERS,
            statuses=DepositStatus,
        )
        return listing(request, payments, _state.invoice_payment_json, _DEPOSIT_KEYS)

    async def withdraw_create(request: Request, raw: bytes) -> Response:
        withdrawal = state.create_withdrawal(body(request, raw))
        return api_response(_state.withdrawal_created_json(withdrawal), 201)

    async def withdraw_history(request: Request, raw: bytes) -> Response:
        withdrawals = _state.filter_records(
            state.withdrawals,
            request.query_params,
            _WITHDRAWAL_FILTERS,
            statuses=WithdrawStatus,
        )
        return listing(request, withdrawals, _state.withdrawal_json, _WITHDRAWAL_KEYS)

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


def _status(record: _state.Deposit | _state.Withdrawal) -> str:
    return str(int(record.status))


def _none(record: object) -> None:
    return None


_WALLET_KEYS: dict[str, Callable[[_state.Wallet], Any]] = {
    "id": lambda w: w.id,
    "created_at": lambda w: w.created_at,
}
_INVOICE_KEYS: dict[str, Callable[[_state.Invoice], Any]] = {
    "id": lambda i: i.id,
    "created_at": lambda i: i.created_at,
    "amount": lambda i: i.amount,
}
_DEPOSIT_KEYS: dict[str, Callable[[_state.Deposit], Any]] = {
    "id": lambda d: d.id,
    "created_at": lambda d: d.created_at,
    "date": lambda d: d.created_at,
    "amount": lambda d: d.amount,
    "status": lambda d: int(d.status),
}
_WITHDRAWAL_KEYS: dict[str, Callable[[_state.Withdrawal], Any]] = {
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


# ---------------------------------------------------------------------------
# The sandbox's controls


async def _control_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw, parse_float=Decimal) if raw.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise _Refusal(_detail(400, f"JSON parse error - {exc}")) from None
    if not isinstance(data, dict):
        raise _Refusal(_detail(400, "Expected a JSON object."))
    return data


def _optional(data: Mapping[str, Any], key: str, kind: type[T], default: T) -> T:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Refusal(_detail(400, f"{key} must be a {kind.__name__}, got {value!r}"))
    return value


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = _optional(data, key, str, "")
    if not value:
        raise _Refusal(_detail(400, f"{key} is required"))
    return value


def _status_argument(value: Any) -> int | None:
    """`to` of an advance: a status code, or its name (`"DONE"`)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().upper() in WithdrawStatus.__members__:
        return int(WithdrawStatus[value.strip().upper()])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Refusal(_detail(400, f"to must be a withdrawal status code or name, got {value!r}"))


def _control(action: Endpoint) -> Endpoint:
    async def handle(request: Request) -> Response:
        try:
            return await action(request)
        except _Refusal as exc:
            return exc.response
        except _state.UnknownObject as exc:
            return _detail(404, str(exc))
        except _state.Refused as exc:
            return _detail(400, str(exc))

    return handle


def control_api(sandbox: GatewaySandbox) -> list[Route]:
    """The controls a test in another process drives the sandbox with.

    - `POST /sandbox/deposits` `{address, amount, txid?, confirmed?}`: a deposit arrives.
    - `POST /sandbox/deposits/{txid}/confirm` and `.../reject`: settle a deposit
      or an invoice payment.
    - `POST /sandbox/invoices/{slug}/pay` `{amount?, confirmed?}`: a payer pays.
    - `POST /sandbox/withdrawals/{id}/advance` `{to?}` (a code or a name) and
      `POST /sandbox/withdrawals/{id}/refuse`.
    - `GET /sandbox/balances`, `PUT /sandbox/balances/{ticker}` `{amount}`.
    - `GET /sandbox/callbacks` (every delivery), `DELETE /sandbox/callbacks`.
    - `POST /sandbox/reset` (forget everything), `POST /sandbox/seed` (demo data).
    - `GET /sandbox/pay/{slug}`: the page an invoice's `proceed_url` leads to.

    Each answers the object as the API writes it; bad input is a 400 and an
    unknown object a 404, both `{"detail": ...}`.
    """

    async def deposit(request: Request) -> Response:
        data = await _control_body(request)
        result = await sandbox.deposit(
            _required_text(data, "address"),
            _state.control_amount(data.get("amount")),
            txid=_optional(data, "txid", str, "") or None,
            confirmed=_optional(data, "confirmed", bool, False),
        )
        return api_response(result, 201)

    async def confirm(request: Request) -> Response:
        return api_response(await sandbox.confirm_deposit(request.path_params["txid"]))

    async def reject(request: Request) -> Response:
        return api_response(await sandbox.reject_deposit(request.path_params["txid"]))

    async def pay(request: Request) -> Response:
        data = await _control_body(request)
        amount = data.get("amount")
        result = await sandbox.pay_invoice(
            request.path_params["slug"],
            amount=None if amount is None else _state.control_amount(amount),
            confirmed=_optional(data, "confirmed", bool, True),
        )
        return api_response(result, 201)

    async def advance(request: Request) -> Response:
        data = await _control_body(request)
        to = _status_argument(data.get("to"))
        result = await sandbox.advance_withdrawal(request.path_params["id"], to=to)
        return api_response(result)

    async def refuse(request: Request) -> Response:
        return api_response(await sandbox.refuse_withdrawal(request.path_params["id"]))

    async def balances(request: Request) -> Response:
        return api_response(sandbox._balances())

    async def set_balance(request: Request) -> Response:
        data = await _control_body(request)
        ticker = request.path_params["ticker"]
        sandbox.set_balance(ticker, _state.control_amount(data.get("amount"), allow_zero=True))
        return api_response({"ticker": ticker, "balance": _state.money(sandbox.balance(ticker))})

    async def callbacks(request: Request) -> Response:
        return api_response([delivery.to_dict() for delivery in sandbox.callbacks])

    async def clear_callbacks(request: Request) -> Response:
        sandbox.clear_callbacks()
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return Response(status_code=204)

    async def seed(request: Request) -> Response:
        sandbox.seed_demo_data()
        return Response(status_code=204)

    async def pay_page(request: Request) -> Response:
        invoice = sandbox._state.invoice(request.path_params["slug"])
        if request.method == "GET":
            return HTMLResponse(_pay_page(invoice))
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        if form.get("action") == ["cancel"]:
            target, outcome = invoice.cancel_url, "The payment was cancelled."
        else:
            await sandbox.pay_invoice(invoice.slug)
            target, outcome = invoice.payment_url, "The invoice is paid."
        if target:
            return RedirectResponse(target, status_code=303)
        return HTMLResponse(_page("Sandbox payment", f"<p>{html.escape(outcome)}</p>"))

    table: list[tuple[str, Endpoint, list[str]]] = [
        ("/sandbox/deposits", deposit, ["POST"]),
        ("/sandbox/deposits/{txid}/confirm", confirm, ["POST"]),
        ("/sandbox/deposits/{txid}/reject", reject, ["POST"]),
        ("/sandbox/invoices/{slug}/pay", pay, ["POST"]),
        ("/sandbox/withdrawals/{id:int}/advance", advance, ["POST"]),
        ("/sandbox/withdrawals/{id:int}/refuse", refuse, ["POST"]),
        ("/sandbox/balances", balances, ["GET"]),
        ("/sandbox/balances/{ticker}", set_balance, ["PUT"]),
        ("/sandbox/callbacks", callbacks, ["GET"]),
        ("/sandbox/callbacks", clear_callbacks, ["DELETE"]),
        ("/sandbox/reset", reset, ["POST"]),
        ("/sandbox/seed", seed, ["POST"]),
        ("/sandbox/pay/{slug}", pay_page, ["GET", "POST"]),
    ]
    return [Route(path, _control(action), methods=methods) for path, action, methods in table]


def _page(title: str, content: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{content}"
        "<p><small>bitexgate sandbox: no real money moves here.</small></p></body></html>"
    )


def _pay_page(invoice: _state.Invoice) -> str:
    amount = f"{_state.money(invoice.amount)} {invoice.method.ticker}"
    content = (
        f"<p>Invoice <code>{html.escape(invoice.slug)}</code>: pay "
        f"<strong>{html.escape(amount)}</strong> by {html.escape(invoice.method.network)}.</p>"
        "<form method='post'>"
        "<button name='action' value='pay'>Pay</button> "
        "<button name='action' value='cancel'>Cancel</button>"
        "</form>"
    )
    return _page("Sandbox payment", content)
