"""A sandbox whose callbacks are kept (answered 200), a client on it, and apps to post them to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bitexgate import BitexGateClient, RetryPolicy
from bitexgate.fastapi import CallbackContext, callback_router
from bitexgate.sandbox import CallbackDelivery, GatewaySandbox

SANDBOX_URL = "http://sandbox.test"
SHOP = "https://shop.example"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


class Recorder:
    """A handler that records its calls; it can be told to fail, or to wait at a gate."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, CallbackContext[Any]]] = []
        self.failures = 0
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()

    async def __call__(self, record: Any, context: CallbackContext[Any]) -> None:
        self.calls.append((record, context))
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the shop's database is down")

    @property
    def records(self) -> list[Any]:
        return [record for record, _ in self.calls]


def client_for(sandbox: GatewaySandbox, *, secret: str | None = None) -> BitexGateClient:
    return BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret if secret is None else secret,
        base_url=SANDBOX_URL,
        transport=sandbox.transport(),
        retry=RetryPolicy(max_retries=0),
    )


def shop_app(gw: BitexGateClient | None, **router: Any) -> FastAPI:
    """An app with the callback router under /callbacks and `gw` where the lifespan puts it."""
    app = FastAPI()
    if gw is not None:
        app.state.bitexgate = gw
    app.include_router(callback_router(**router), prefix="/callbacks")
    return app


async def post(
    app: FastAPI, url: str, body: bytes | str, *, raise_app_exceptions: bool = True
) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(transport=transport, base_url=SHOP) as client:
        return await client.post(url, content=body, headers={"Content-Type": "application/json"})


async def deliver(app: FastAPI, delivery: CallbackDelivery) -> httpx.Response:
    """Post a callback the sandbox made to `app`, as the Gateway would."""
    return await post(app, delivery.url, delivery.body)


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    """A sandbox whose callbacks are answered 200 and kept in `callbacks`, to post by hand."""

    def kept(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(kept)) as callbacks,
        GatewaySandbox(callback_client=callbacks) as created,
    ):
        created.set_balance("USDT", Decimal(100))
        yield created


@pytest.fixture
async def gw(sandbox: GatewaySandbox) -> AsyncIterator[BitexGateClient]:
    async with client_for(sandbox) as client:
        yield client


@pytest.fixture
def handler() -> Recorder:
    return Recorder()


async def deposit_callbacks(
    sandbox: GatewaySandbox, url: str = f"{SHOP}/callbacks/deposit", *, txid: str = "tx-1"
) -> list[CallbackDelivery]:
    """A BTC deposit arrives (pending), then confirms: its two callbacks."""
    wallet = sandbox.state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": url}
    )
    before = len(sandbox.callbacks)
    await sandbox.deposit(wallet.address, "0.5", txid=txid)
    await sandbox.confirm_deposit(txid)
    return sandbox.callbacks[before:]


def api_calls(sandbox: GatewaySandbox) -> int:
    """How many API requests the sandbox has received."""
    return len(sandbox.requests)
