"""One BitexGateClient per app: opened by the lifespan, handed to routes by `GatewayDep`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from bitexgate import BitexGateClient
from bitexgate.fastapi import STATE_ATTRIBUTE, GatewayDep
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.fastapi_app.conftest import SHOP, client_for


def app_with_lifespan(sandbox: GatewaySandbox, opened: list[BitexGateClient]) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with client_for(sandbox) as gw:
            app.state.bitexgate = gw
            opened.append(gw)
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/methods")
    async def methods(gw: GatewayDep) -> dict[str, object]:
        listed = await gw.payment_methods.list()
        return {"client": id(gw), "count": len(listed)}

    return app


async def test_every_request_gets_the_one_client_the_lifespan_opened(
    sandbox: GatewaySandbox,
) -> None:
    opened: list[BitexGateClient] = []
    app = app_with_lifespan(sandbox, opened)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SHOP) as http,
    ):
        answers = [(await http.get("/methods")).json() for _ in range(2)]
    [gw] = opened
    assert [a["client"] for a in answers] == [id(gw), id(gw)]
    assert all(a["count"] > 0 for a in answers)
    assert STATE_ATTRIBUTE == "bitexgate"


async def test_a_route_without_the_lifespan_fails_and_says_why(sandbox: GatewaySandbox) -> None:
    app = app_with_lifespan(sandbox, [])
    transport = httpx.ASGITransport(app=app)  # no lifespan run: nothing in app.state
    async with httpx.AsyncClient(transport=transport, base_url=SHOP) as http:
        with pytest.raises(RuntimeError, match=r"no BitexGateClient in app\.state\.bitexgate"):
            await http.get("/methods")
