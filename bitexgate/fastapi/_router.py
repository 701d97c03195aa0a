"""`callback_router()`: a FastAPI router that receives the Gateway's callbacks, one URL per kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from .._client import BitexGateClient
from .._models import Deposit, InvoiceDeposit, Withdrawal
from ._client import gateway_client
from ._kinds import DEPOSIT, INVOICE_PAYMENT, WITHDRAWAL
from ._receive import Handler, Kind, R, Receiver
from ._seen import MemorySeenStore, SeenStore

__all__ = ["callback_router"]


def callback_router(
    *,
    on_deposit: Handler[Deposit] | None = None,
    on_invoice_payment: Handler[InvoiceDeposit] | None = None,
    on_withdrawal: Handler[Withdrawal] | None = None,
    confirm: bool = True,
    verify_url: bool = False,
    seen: SeenStore | None = None,
    client: Callable[..., Any] = gateway_client,
    deposit_path: str = "/deposit",
    invoice_path: str = "/invoice",
    withdrawal_path: str = "/withdrawal",
) -> APIRouter:
    """A router that receives the Gateway's callbacks and hands each to your handler once.

    Give a handler for each kind you receive; each gets a `POST` route at its
    path (mount the router with `app.include_router(router, prefix=...)`), to
    be the `callback_url` of the wallets, invoices or withdrawals you create. A
    handler is `async def handler(record, context) -> None`: `record` is the
    API's record (a Deposit, InvoiceDeposit or Withdrawal), `context` a
    `CallbackContext` (the record as posted, the URL's `ref`, the request).

    Each delivery is, in order: refused 403 when `verify_url` is on and the
    URL's token (see `BitexGateClient.callback_url`) is missing or forged;
    refused 400 when its body is not a callback of its kind; answered 200 at
    once when it was handled already (by `seen`, in memory by default);
    confirmed against the API when `confirm` is on (refused 422 when the API
    does not confirm it, 503 when the API cannot be reached); handed to the
    handler; answered 200 when the handler returned, 500 when it raised (the
    Gateway may deliver it again: it is not remembered as handled). A
    duplicate that arrives while the first is being handled in this process
    waits for it.

    A token vouches for its `ref`, not for the route: a URL made for one kind
    verifies on another kind's route too. Give refs that tell the kinds apart
    (an order's id for its invoice, a payout's for its withdrawal) and look
    them up where the handler expects them.

    `client` is the FastAPI dependency that gives the app's BitexGateClient
    (by default, the one in `app.state.bitexgate`); no client is asked for
    when neither confirming nor verifying.
    """
    handlers: list[tuple[str, Kind[Any], Handler[Any] | None]] = [
        (deposit_path, DEPOSIT, on_deposit),
        (invoice_path, INVOICE_PAYMENT, on_invoice_payment),
        (withdrawal_path, WITHDRAWAL, on_withdrawal),
    ]
    if all(handler is None for _, _, handler in handlers):
        raise ValueError("give at least one of on_deposit, on_invoice_payment, on_withdrawal")
    for path, _, handler in handlers:
        if handler is not None and not callable(handler):
            raise TypeError(f"a handler must be an async function, got {type(handler).__name__}")
        if not path.startswith("/"):
            raise ValueError(f"a route path must start with '/', got {path!r}")
    if not callable(client):
        raise TypeError(f"client must be a FastAPI dependency, got {type(client).__name__}")
    receiver = Receiver(
        seen=MemorySeenStore() if seen is None else seen, confirm=confirm, verify_url=verify_url
    )
    router = APIRouter()
    for path, kind, handler in handlers:
        if handler is not None:
            router.add_api_route(
                path,
                _endpoint(receiver, kind, handler, client),
                methods=["POST"],
                name=f"bitexgate_{kind.name.replace(' ', '_')}_callback",
                response_class=JSONResponse,
                response_model=None,
            )
    return router


def _endpoint(
    receiver: Receiver, kind: Kind[R], handler: Handler[R], client: Callable[..., Any]
) -> Callable[..., Awaitable[JSONResponse]]:
    """The route's function: with the client as a dependency only when it is needed."""

    async def answer(request: Request, gw: BitexGateClient | None) -> JSONResponse:
        decided = await receiver.receive(kind, handler, request, gw)
        return JSONResponse(
            {"detail": decided.detail},
            status_code=decided.status_code,
            headers=decided.headers(),
        )

    if not receiver.needs_client:

        async def without_client(request: Request) -> JSONResponse:
            return await answer(request, None)

        return without_client

    async def with_client(request: Request, gw: Any = Depends(client)) -> JSONResponse:  # noqa: B008
        if not isinstance(gw, BitexGateClient):
            raise TypeError(
                f"the client dependency gave {type(gw).__name__}, not a BitexGateClient"
            )
        return await answer(request, gw)

    return with_client
