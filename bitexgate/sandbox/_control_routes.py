"""The sandbox's own controls over HTTP, for a test in another process.

Routes under `/sandbox/` play the outside world (a deposit arrives, a payer
pays, a withdrawal moves on), read and set balances, list callbacks, reset and
seed; `GET /sandbox/pay/{slug}` is the page an invoice's `proceed_url` leads to.
They are unauthenticated and never journaled or faulted. The journal and the
faults have routes of their own (`common._sandbox.control_routes`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from common._sandbox import Param, control, index_route

from .._enums import WithdrawStatus
from ._catalogue import TICKERS
from ._errors import Refused, UnknownObject
from ._fields import control_amount
from ._http import Refusal, api_response, detail_response
from ._records import Invoice
from ._render import money
from ._state import GatewayState

__all__ = ["ControlledGateway", "control_api"]

T = TypeVar("T")

Endpoint = Callable[[Request], Awaitable[Response]]


class _JsonReady(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class ControlledGateway(Protocol):
    """What the control routes drive: the sandbox's public controls and its state."""

    @property
    def state(self) -> GatewayState: ...

    @property
    def callbacks(self) -> Sequence[_JsonReady]: ...

    def clear_callbacks(self) -> None: ...

    def balance(self, ticker: str) -> Decimal: ...

    def set_balance(self, ticker: str, amount: Decimal | int | str) -> None: ...

    async def deposit(
        self,
        address: str,
        amount: Decimal | str,
        *,
        txid: str | None = None,
        confirmed: bool = False,
    ) -> dict[str, Any]: ...

    async def confirm_deposit(self, txid: str) -> dict[str, Any]: ...

    async def reject_deposit(self, txid: str) -> dict[str, Any]: ...

    async def pay_invoice(
        self, slug: str, *, amount: Decimal | str | None = None, confirmed: bool = True
    ) -> dict[str, Any]: ...

    async def advance_withdrawal(
        self, withdrawal_id: int, *, to: int | WithdrawStatus | None = None
    ) -> dict[str, Any]: ...

    async def refuse_withdrawal(self, withdrawal_id: int) -> dict[str, Any]: ...

    def reset(self) -> None: ...

    def seed_demo_data(self) -> None: ...


async def _control_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        data = json.loads(raw, parse_float=Decimal) if raw.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise Refusal(detail_response(400, f"JSON parse error - {exc}")) from None
    if not isinstance(data, dict):
        raise Refusal(detail_response(400, "Expected a JSON object."))
    return data


def _optional(data: Mapping[str, Any], key: str, kind: type[T], default: T) -> T:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise Refusal(detail_response(400, f"{key} must be a {kind.__name__}, got {value!r}"))
    return value


def _required_text(data: Mapping[str, Any], key: str) -> str:
    value = _optional(data, key, str, "")
    if not value:
        raise Refusal(detail_response(400, f"{key} is required"))
    return value


def _status_argument(value: Any) -> int | None:
    """`to` of an advance: a status code, or its name (`"DONE"`)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().upper() in WithdrawStatus.__members__:
        return int(WithdrawStatus[value.strip().upper()])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Refusal(
        detail_response(400, f"to must be a withdrawal status code or name, got {value!r}")
    )


def _control(action: Endpoint) -> Endpoint:
    async def handle(request: Request) -> Response:
        try:
            return await action(request)
        except Refusal as exc:
            return exc.response
        except UnknownObject as exc:
            return detail_response(404, str(exc))
        except Refused as exc:
            return detail_response(400, str(exc))

    return handle


def control_api(sandbox: ControlledGateway) -> list[Route]:
    """The controls a test in another process drives the sandbox with, and their index.

    Each route says what it does and takes, as `GET /sandbox/` lists it. Each
    answers the object as the API writes it; bad input is a 400 and an unknown
    object a 404, both `{"detail": ...}`.
    """

    async def deposit(request: Request) -> Response:
        data = await _control_body(request)
        result = await sandbox.deposit(
            _required_text(data, "address"),
            control_amount(data.get("amount")),
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
            amount=None if amount is None else control_amount(amount),
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
        return api_response({ticker: money(sandbox.balance(ticker)) for ticker in sorted(TICKERS)})

    async def set_balance(request: Request) -> Response:
        data = await _control_body(request)
        ticker = request.path_params["ticker"]
        sandbox.set_balance(ticker, control_amount(data.get("amount"), allow_zero=True))
        return api_response({"ticker": ticker, "balance": money(sandbox.balance(ticker))})

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
        invoice = sandbox.state.invoice(request.path_params["slug"])
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

    return [
        control(
            "POST",
            "/sandbox/deposits",
            _control(deposit),
            "A deposit arrives at a wallet's address (gross, before the deposit fee); its "
            "callback is posted. Answers the deposit as wallet/history shows it.",
            Param("address", "a wallet's address", required=True),
            Param(
                "amount", "the amount, a decimal string or number", type="decimal", required=True
            ),
            Param("txid", "its transaction id (default: a new one)"),
            Param("confirmed", "confirmed at once (default false: pending)", type="boolean"),
        ),
        control(
            "POST",
            "/sandbox/deposits/{txid}/confirm",
            _control(confirm),
            "Confirm a pending deposit or invoice payment: its amount is credited.",
            _TXID,
        ),
        control(
            "POST",
            "/sandbox/deposits/{txid}/reject",
            _control(reject),
            "Reject a pending deposit or invoice payment: nothing is credited.",
            _TXID,
        ),
        control(
            "POST",
            "/sandbox/invoices/{slug}/pay",
            _control(pay),
            "A payer pays an invoice; answers the payment as invoice/history shows it.",
            _SLUG,
            Param("amount", "the amount paid (default: the invoice's)", type="decimal"),
            Param("confirmed", "confirmed at once (default true)", type="boolean"),
        ),
        control(
            "POST",
            "/sandbox/withdrawals/{id:int}/advance",
            _control(advance),
            "Move a withdrawal on: one status, or through every status up to `to`; each "
            "status passed through is posted to its callback URL.",
            _WITHDRAWAL_ID,
            Param("to", "a status code (30) or name (DONE)", type="integer or string"),
        ),
        control(
            "POST",
            "/sandbox/withdrawals/{id:int}/refuse",
            _control(refuse),
            "Refuse a withdrawal (REFUSED, 40): its amount and fee go back to the balance.",
            _WITHDRAWAL_ID,
        ),
        control("GET", "/sandbox/balances", _control(balances), "The balance of every ticker."),
        control(
            "PUT",
            "/sandbox/balances/{ticker}",
            _control(set_balance),
            "Set the account's balance of a ticker.",
            Param("ticker", "e.g. USDT", where="path"),
            Param("amount", "the balance, zero or more", type="decimal", required=True),
        ),
        control(
            "GET",
            "/sandbox/callbacks",
            _control(callbacks),
            "Every callback posted, oldest first: its URL, body, and the answer or error.",
        ),
        control("DELETE", "/sandbox/callbacks", _control(clear_callbacks), "Forget the callbacks."),
        control(
            "POST",
            "/sandbox/reset",
            _control(reset),
            "Forget every object, balance, callback, recorded request and armed fault.",
        ),
        control(
            "POST",
            "/sandbox/seed",
            _control(seed),
            "Add demo data: balances, wallets, deposits, invoices, withdrawals.",
        ),
        control(
            "GET",
            "/sandbox/pay/{slug}",
            _control(pay_page),
            "The payment page an invoice's proceed_url leads to (HTML).",
            _SLUG,
        ),
        control(
            "POST",
            "/sandbox/pay/{slug}",
            _control(pay_page),
            "The payment page's form: pay (then go to the invoice's payment_url) or cancel "
            "(its cancel_url).",
            _SLUG,
            Param("action", "pay or cancel (a form field, not JSON)"),
        ),
        index_route("bitexbit Gateway"),
    ]


_TXID = Param("txid", "the deposit's or payment's transaction id", where="path")
_SLUG = Param("slug", "the invoice's slug", where="path")
_WITHDRAWAL_ID = Param("id", "the withdrawal's id", where="path")


def _page(title: str, content: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        f"<h1>{html.escape(title)}</h1>{content}"
        "<p><small>bitexgate sandbox: no real money moves here.</small></p></body></html>"
    )


def _pay_page(invoice: Invoice) -> str:
    amount = f"{money(invoice.amount)} {invoice.method.ticker}"
    content = (
        f"<p>Invoice <code>{html.escape(invoice.slug)}</code>: pay "
        f"<strong>{html.escape(amount)}</strong> by {html.escape(invoice.method.network)}.</p>"
        "<form method='post'>"
        "<button name='action' value='pay'>Pay</button> "
        "<button name='action' value='cancel'>Cancel</button>"
        "</form>"
    )
    return _page("Sandbox payment", content)
