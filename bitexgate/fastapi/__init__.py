"""FastAPI support: receive the Gateway's callbacks, and keep one BitexGateClient per app.

One client per app, opened and closed by the app's lifespan, stored in
`app.state.bitexgate`, and handed to routes by the `GatewayDep` dependency:

    import contextlib, os
    from collections.abc import AsyncIterator
    from fastapi import FastAPI
    from bitexgate import BitexGateClient, InvoiceDeposit
    from bitexgate.fastapi import CallbackContext, GatewayDep, callback_router

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with BitexGateClient(
            api_key=os.environ["BITEXGATE_API_KEY"], secret=os.environ["BITEXGATE_SECRET"]
        ) as gw:
            app.state.bitexgate = gw
            yield

    async def paid(payment: InvoiceDeposit, context: CallbackContext[InvoiceDeposit]) -> None:
        ...  # the API confirmed it: context.ref names the order

    app = FastAPI(lifespan=lifespan)
    app.include_router(
        callback_router(on_invoice_payment=paid, verify_url=True), prefix="/callbacks"
    )

    @app.post("/orders/{order_id}/invoice")
    async def invoice(order_id: str, gw: GatewayDep) -> dict[str, str]:
        url = gw.callback_url("https://shop.example/callbacks/invoice", ref=order_id)
        created = await gw.invoices.create(..., callback_url=url)
        ...

`callback_router()` receives each kind of callback on its own URL, parses it,
confirms it against the API, skips a delivery it handled already, and answers
the Gateway 200 only once the handler returned (see its docstring for every
answer). Needs the `[fastapi]` extra; `import bitexgate` never imports this.
"""

from ._client import STATE_ATTRIBUTE, GatewayDep, gateway_client
from ._receive import CallbackContext, Handler
from ._router import callback_router
from ._seen import Claim, MemorySeenStore, SeenStore, callback_key

__all__ = [
    "STATE_ATTRIBUTE",
    "CallbackContext",
    "Claim",
    "GatewayDep",
    "Handler",
    "MemorySeenStore",
    "SeenStore",
    "callback_key",
    "callback_router",
    "gateway_client",
]
