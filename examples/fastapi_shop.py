"""A small shop on FastAPI that takes payments by invoice and pays out by withdrawal.

    python examples/fastapi_shop.py        # a walk through, against the embedded sandbox
    uvicorn fastapi_shop:app               # the shop for real (from this folder)

For real, it reads `BITEXGATE_API_KEY`, `BITEXGATE_SECRET`, `BITEXGATE_BASE_URL`
(optional) and `SHOP_PUBLIC_URL` (where the Gateway reaches this app) from the
environment. The walk through needs the `[fastapi]` and `[sandbox]` extras, runs
in one process (the sandbox delivers its callbacks straight into the app), and
exits non-zero if anything did not go as described.

What it shows:

- one BitexGateClient per app, opened by the lifespan and handed to routes (`GatewayDep`);
- an invoice per order, with a callback URL of its own (`ref` is the order);
- the payment's callbacks received, confirmed against the API, handled once;
- a withdrawal with a `client_order_id`, and its callbacks followed to the end.

The orders and payouts live in memory: a real shop keeps them in its database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import attrs
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from bitexgate import (
    BitexGateClient,
    DepositStatus,
    InvoiceDeposit,
    Withdrawal,
    WithdrawStatus,
)
from bitexgate.fastapi import CallbackContext, GatewayDep, callback_router

#: Where the callback routes are mounted.
CALLBACKS = "/callbacks/gateway"


# -- the shop's records (a database table each, in a real shop) ---------------------------


@attrs.define
class Order:
    id: str
    amount: Decimal
    invoice_slug: str
    pay_url: str | None
    state: str = "awaiting payment"
    received: Decimal | None = None


@attrs.define
class Payout:
    id: str
    withdrawal_id: int
    statuses: list[str] = attrs.Factory(list)


@attrs.define
class Books:
    orders: dict[str, Order] = attrs.Factory(dict)
    payouts: dict[str, Payout] = attrs.Factory(dict)


class OrderIn(BaseModel):
    amount: Decimal
    client_ip: str


class PayoutIn(BaseModel):
    ticker: str
    network: str
    address: str
    amount: Decimal


# -- the callbacks: each arrives confirmed by the API, and once --------------------------


def books_of(context: CallbackContext[InvoiceDeposit] | CallbackContext[Withdrawal]) -> Books:
    books: Books = context.request.app.state.books
    return books


async def invoice_paid(payment: InvoiceDeposit, context: CallbackContext[InvoiceDeposit]) -> None:
    """A payment on an order's invoice arrived, was confirmed, or was rejected."""
    order = books_of(context).orders.get(context.ref or "")
    if order is None:  # a ref this shop never gave out: nothing to do, and no retry
        return
    if payment.status is DepositStatus.CONFIRMED:
        order.state, order.received = "paid", payment.amount
    elif payment.status is DepositStatus.PENDING:
        order.state = "payment pending"
    else:
        order.state = "payment rejected"


async def withdrawal_moved(withdrawal: Withdrawal, context: CallbackContext[Withdrawal]) -> None:
    """A payout's withdrawal passed a status."""
    payout = books_of(context).payouts.get(withdrawal.client_order_id or "")
    if payout is not None and payout.withdrawal_id == withdrawal.id:
        payout.statuses.append(withdrawal.status.name)


# -- the app ---------------------------------------------------------------------------


def client_from_environment() -> BitexGateClient:
    """The client the shop uses for real: credentials from the environment."""
    return BitexGateClient(
        api_key=os.environ["BITEXGATE_API_KEY"],
        secret=os.environ["BITEXGATE_SECRET"],
        base_url=os.environ.get("BITEXGATE_BASE_URL", "https://www.bitexbit.com"),
    )


def create_app(
    *,
    make_client: Callable[[], BitexGateClient] = client_from_environment,
    public_url: str | None = None,
) -> FastAPI:
    """The shop: `make_client` is called once, when the app starts; `public_url` is where
    the Gateway reaches it (`SHOP_PUBLIC_URL` when None)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with make_client() as gw:
            app.state.bitexgate = gw  # where GatewayDep and the callback router find it
            app.state.books = Books()
            app.state.public_url = (public_url or os.environ["SHOP_PUBLIC_URL"]).rstrip("/")
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(
        callback_router(
            on_invoice_payment=invoice_paid, on_withdrawal=withdrawal_moved, verify_url=True
        ),
        prefix=CALLBACKS,
    )

    @app.post("/orders")
    async def create_order(order: OrderIn, gw: GatewayDep) -> dict[str, str | None]:
        order_id = f"ord_{secrets.token_hex(6)}"
        callback = gw.callback_url(f"{app.state.public_url}{CALLBACKS}/invoice", ref=order_id)
        invoice = await gw.invoices.create(
            ticker="UAH",
            network="wiretransfer",
            amount=order.amount,
            client_ip=order.client_ip,
            callback_url=callback,
        )
        books: Books = app.state.books
        books.orders[order_id] = Order(order_id, order.amount, invoice.slug, invoice.proceed_url)
        return {"order_id": order_id, "invoice": invoice.slug, "pay_url": invoice.proceed_url}

    @app.get("/orders/{order_id}")
    async def show_order(order_id: str) -> dict[str, str | None]:
        order = app.state.books.orders.get(order_id)
        if order is None:
            raise HTTPException(404, "no such order")
        received = None if order.received is None else str(order.received)
        return {"order_id": order.id, "state": order.state, "received": received}

    @app.post("/payouts")
    async def create_payout(payout: PayoutIn, gw: GatewayDep) -> dict[str, Any]:
        # Any: a `str | int` would make pydantic 1 write the withdrawal's id as text.
        payout_id = f"po_{secrets.token_hex(6)}"
        withdrawal = await gw.withdrawals.create(
            ticker=payout.ticker,
            network=payout.network,
            address=payout.address,
            amount=payout.amount,
            client_order_id=payout_id,  # how to find it again if the answer is lost
            callback_url=gw.callback_url(
                f"{app.state.public_url}{CALLBACKS}/withdrawal", ref=payout_id
            ),
        )
        books: Books = app.state.books
        books.payouts[payout_id] = Payout(payout_id, withdrawal.id, [withdrawal.status.name])
        return {"payout_id": payout_id, "withdrawal_id": withdrawal.id}

    @app.get("/payouts/{payout_id}")
    async def show_payout(payout_id: str) -> dict[str, Any]:
        payout = app.state.books.payouts.get(payout_id)
        if payout is None:
            raise HTTPException(404, "no such payout")
        return {"payout_id": payout.id, "statuses": payout.statuses}

    return app


#: For `uvicorn fastapi_shop:app`: the environment is read when the app starts.
app = create_app()


# -- the walk through, against the embedded sandbox --------------------------------------

failures: list[str] = []


def step(text: str) -> None:
    print(f"== {text}")


def expect(condition: bool, what: str) -> None:
    if not condition:
        failures.append(what)
        print(f"   !! FAILED: {what}")


async def walk_through() -> None:
    import httpx

    from bitexgate.sandbox import GatewaySandbox

    tron = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
    async with GatewaySandbox() as sandbox:
        sandbox.set_balance("USDT", "100")
        shop_app = create_app(
            make_client=lambda: BitexGateClient(
                api_key=sandbox.api_key,
                secret=sandbox.secret,
                base_url="http://sandbox.test",
                transport=sandbox.transport(),
            ),
            public_url="https://shop.example",
        )
        sandbox.deliver_callbacks_to(shop_app)  # the Gateway's callbacks, in-process
        async with (
            shop_app.router.lifespan_context(shop_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=shop_app), base_url="https://shop.example"
            ) as shop,
        ):
            step("a customer orders: the shop creates an invoice with its own callback URL")
            order = (
                await shop.post("/orders", json={"amount": "300", "client_ip": "203.0.113.7"})
            ).json()
            print(f"   order {order['order_id']}, invoice {order['invoice']}")

            step("the customer pays; the payment is pending, then confirmed")
            payment = await sandbox.pay_invoice(order["invoice"], confirmed=False)
            shown = (await shop.get(f"/orders/{order['order_id']}")).json()
            print(f"   order state: {shown['state']}")
            expect(shown["state"] == "payment pending", "the pending payment is seen")
            await sandbox.confirm_deposit(str(payment["txid"]))
            shown = (await shop.get(f"/orders/{order['order_id']}")).json()
            print(f"   order state: {shown['state']}, received {shown['received']} UAH")
            expect(shown["state"] == "paid", "the confirmed payment marks the order paid")

            step("the same callback delivered again is answered 200, and not handled again")
            last = sandbox.callbacks[-1]
            again = await shop.post(last.url, content=last.body)
            print(f"   {again.status_code} {again.json()['detail']}")
            expect(again.json()["detail"] == "already handled", "a duplicate is skipped")

            step("a callback to a forged URL is refused before anything else")
            forged = last.url.split("&token=")[0] + "&token=forged"
            refused = await shop.post(forged, content=last.body)
            print(f"   {refused.status_code} {refused.json()['detail']}")
            expect(refused.status_code == 403, "a forged URL is refused with 403")

            step("a payout: a withdrawal with a client_order_id, followed to DONE")
            payout = (
                await shop.post(
                    "/payouts",
                    json={"ticker": "USDT", "network": "tron", "address": tron, "amount": "22"},
                )
            ).json()
            # One status at a time. Moved straight to DONE, each callback would find the
            # API's record at DONE already, and the shop would be told DONE, once.
            for status in (
                WithdrawStatus.CONFIRMED,
                WithdrawStatus.VERIFIED,
                WithdrawStatus.APPROVED,
                WithdrawStatus.DONE,
            ):
                await sandbox.advance_withdrawal(payout["withdrawal_id"], to=status)
            shown = (await shop.get(f"/payouts/{payout['payout_id']}")).json()
            print(f"   {payout['payout_id']}: {' -> '.join(shown['statuses'])}")
            expect(
                shown["statuses"] == ["NEW", "CONFIRMED", "VERIFIED", "APPROVED", "DONE"],
                "every status of the withdrawal is followed",
            )

            step("every callback the sandbox posted was answered 200")
            print(f"   {len(sandbox.callbacks)} callbacks, all delivered")
            expect(all(d.delivered for d in sandbox.callbacks), "every callback answered 200")


def main() -> int:
    # The router logs each callback it refuses or handles (INFO); show the warnings here.
    logging.basicConfig(stream=sys.stdout, format="   log: %(name)s: %(message)s")
    asyncio.run(walk_through())
    if failures:
        print(f"\n{len(failures)} check(s) failed")
        return 1
    print("\nthe shop took a payment and followed a payout, every callback once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
