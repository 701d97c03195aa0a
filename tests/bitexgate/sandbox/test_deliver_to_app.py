"""`deliver_callbacks_to(app)`: callbacks posted in-process into an app made after the sandbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bitexgate import BitexGateClient, DepositStatus
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import CallbackSink

HOOK = "https://shop.example/hooks/gateway?order=42"


class Shop:
    """An app under test: records what reaches `/hooks/gateway`, answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = status

        async def hook(request: Request) -> Response:
            self.received.append(
                {
                    "path": request.url.path,
                    "query": dict(request.query_params),
                    "host": request.headers["host"],
                    "content_type": request.headers["content-type"],
                    "body": json.loads(await request.body()),
                }
            )
            return PlainTextResponse("ok", status_code=self.status)

        self.app = Starlette(routes=[Route("/hooks/gateway", hook, methods=["POST"])])


def hooked_wallet(sandbox: GatewaySandbox, url: str = HOOK) -> str:
    wallet = sandbox.state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": url}
    )
    return wallet.address


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox() as created:
        yield created


async def test_callbacks_reach_the_app_with_their_path_and_query_whatever_the_host(
    sandbox: GatewaySandbox,
) -> None:
    shop = Shop()
    sandbox.deliver_callbacks_to(shop.app)
    await sandbox.deposit(hooked_wallet(sandbox), "0.5", txid="tx-1", confirmed=True)

    [received] = shop.received
    assert received["path"] == "/hooks/gateway"
    assert received["query"] == {"order": "42"}
    assert received["host"] == "shop.example"  # nothing listens there: it never left the process
    assert received["content_type"] == "application/json"
    assert received["body"]["txid"] == "tx-1"
    [delivery] = sandbox.callbacks
    assert (delivery.url, delivery.status_code, delivery.error) == (HOOK, 200, None)
    assert json.loads(delivery.body) == received["body"]


async def test_the_app_made_after_the_sandbox_can_call_the_api_while_it_receives(
    sandbox: GatewaySandbox,
) -> None:
    """The circular case: the app's own client goes through the sandbox's transport."""
    seen: list[DepositStatus] = []
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url="http://sandbox.test",
        transport=sandbox.transport(),
    ) as gw:

        async def hook(request: Request) -> Response:
            txid = json.loads(await request.body())["txid"]
            [deposit] = [d async for d in gw.wallets.history(txid=txid)]
            seen.append(deposit.status)
            return JSONResponse({"ok": True})

        sandbox.deliver_callbacks_to(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
        address = hooked_wallet(sandbox, "https://shop.example/hook")
        await sandbox.deposit(address, "0.5", txid="tx-2")
        await sandbox.confirm_deposit("tx-2")

    assert seen == [DepositStatus.PENDING, DepositStatus.CONFIRMED]
    assert all(d.delivered for d in sandbox.callbacks)


async def test_a_non_200_answer_is_recorded_not_raised(sandbox: GatewaySandbox) -> None:
    sandbox.deliver_callbacks_to(Shop(status=503).app)
    await sandbox.deposit(hooked_wallet(sandbox), "0.5", confirmed=True)
    [delivery] = sandbox.callbacks
    assert (delivery.status_code, delivery.delivered) == (503, False)
    assert delivery.error == "the receiver answered 503, not 200"


async def test_an_app_that_raises_is_answered_500_as_a_server_would(
    sandbox: GatewaySandbox, caplog: pytest.LogCaptureFixture
) -> None:
    async def bare(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("the shop is on fire")

    sandbox.deliver_callbacks_to(bare)
    await sandbox.deposit(hooked_wallet(sandbox), "0.5", confirmed=True)
    [delivery] = sandbox.callbacks
    assert delivery.status_code == 500
    assert delivery.error == (
        "the receiver answered 500, not 200; the app raised RuntimeError: the shop is on fire"
    )
    assert "the app raised while receiving a callback" in caplog.text


async def test_an_app_that_raises_after_answering_keeps_its_answer(
    sandbox: GatewaySandbox,
) -> None:
    async def hook(request: Request) -> Response:
        raise ValueError("bad")

    # Starlette's own error middleware answers 500, then raises again for the server.
    sandbox.deliver_callbacks_to(
        Starlette(routes=[Route("/hooks/gateway", hook, methods=["POST"])])
    )
    await sandbox.deposit(hooked_wallet(sandbox), "0.5", confirmed=True)
    [delivery] = sandbox.callbacks
    assert delivery.status_code == 500
    assert delivery.error is not None
    assert delivery.error.endswith("the app raised ValueError: bad")


async def test_an_unknown_path_is_the_apps_404(sandbox: GatewaySandbox) -> None:
    sandbox.deliver_callbacks_to(Shop().app)
    await sandbox.deposit(
        hooked_wallet(sandbox, "https://shop.example/elsewhere"), "1", confirmed=True
    )
    assert sandbox.callbacks[0].status_code == 404


async def test_calling_again_replaces_the_app(sandbox: GatewaySandbox) -> None:
    first, second = Shop(), Shop()
    address = hooked_wallet(sandbox)
    sandbox.deliver_callbacks_to(first.app)
    await sandbox.deposit(address, "0.5", txid="tx-a", confirmed=True)
    sandbox.deliver_callbacks_to(second.app)
    await sandbox.deposit(address, "0.5", txid="tx-b", confirmed=True)
    assert [r["body"]["txid"] for r in first.received] == ["tx-a"]
    assert [r["body"]["txid"] for r in second.received] == ["tx-b"]


async def test_none_goes_back_to_the_client_the_sandbox_was_given() -> None:
    sink, shop = CallbackSink(), Shop()
    async with httpx.AsyncClient(transport=httpx.MockTransport(sink.handler)) as client:
        async with GatewaySandbox(callback_client=client) as sandbox:
            address = hooked_wallet(sandbox)
            sandbox.deliver_callbacks_to(shop.app)
            await sandbox.deposit(address, "0.5", txid="tx-a", confirmed=True)
            sandbox.deliver_callbacks_to(None)
            await sandbox.deposit(address, "0.5", txid="tx-b", confirmed=True)
        assert not client.is_closed  # still the caller's to close
    assert [r["body"]["txid"] for r in shop.received] == ["tx-a"]
    assert [body["txid"] for body in sink.bodies()] == ["tx-b"]
    assert [d.delivered for d in sandbox.callbacks] == [True, True]


async def test_in_process_delivery_makes_no_network_client_and_outlives_aclose() -> None:
    shop = Shop()
    sandbox = GatewaySandbox()
    sandbox.deliver_callbacks_to(shop.app)
    address = hooked_wallet(sandbox)
    await sandbox.deposit(address, "0.5", txid="tx-a", confirmed=True)
    await sandbox.aclose()
    await sandbox.deposit(address, "0.5", txid="tx-b", confirmed=True)  # aclose() did not undo it
    sandbox.deliver_callbacks_to(Shop().app)  # nor does it forbid calling it again
    assert [r["body"]["txid"] for r in shop.received] == ["tx-a", "tx-b"]
    assert sandbox._callback_client is None  # no client was made that would need closing


async def test_anything_but_an_app_or_none_is_refused(sandbox: GatewaySandbox) -> None:
    with pytest.raises(TypeError, match="app must be an ASGI app or None, got str"):
        sandbox.deliver_callbacks_to("http://shop.example")  # type: ignore[arg-type]
