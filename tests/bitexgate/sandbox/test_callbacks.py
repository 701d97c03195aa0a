"""Callbacks: the history object, posted as JSON at each change, recorded however it went."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bitexgate import WithdrawStatus
from bitexgate.sandbox import CallbackDelivery, GatewaySandbox
from common._sandbox import serve
from tests.bitexgate.sandbox.conftest import BASE_URL, CallbackSink, Raw, funded

HOOK = "https://shop.example/hooks/gateway"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


def raw_for(sandbox: GatewaySandbox, http: httpx.AsyncClient) -> Raw:
    return Raw(sandbox, http)


async def history(raw: Raw, path: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = (await raw.get(path)).json()["results"]
    return results


async def test_a_deposit_posts_the_history_object_at_each_change(
    hooked: GatewaySandbox, sink: CallbackSink
) -> None:
    async with httpx.AsyncClient(transport=hooked.transport(), base_url=BASE_URL) as http:
        raw = raw_for(hooked, http)
        wallet = (
            await raw.post(
                "/api/gateway/wallet/create",
                {"ticker": "BTC", "network": "bitcoin", "callback_url": HOOK},
            )
        ).json()
        assert sink.received == []  # creating a wallet is not news
        await hooked.deposit(wallet["address"], "0.5", txid="tx-1")
        await hooked.confirm_deposit("tx-1")
        [listed] = await history(raw, "/api/gateway/wallet/history")

    assert [str(r.url) for r in sink.received] == [HOOK, HOOK]
    assert all(r.method == "POST" for r in sink.received)
    assert all(r.headers["content-type"] == "application/json" for r in sink.received)
    assert [body["status"] for body in sink.bodies()] == ["1", "5"]
    assert sink.bodies()[1] == json.loads(json.dumps(listed), parse_float=Decimal)
    assert "x-sign" not in sink.received[0].headers  # the reference documents no signature

    deliveries = hooked.callbacks
    assert [d.status_code for d in deliveries] == [200, 200]
    assert all(d.delivered and d.error is None for d in deliveries)
    assert deliveries[1].body == sink.received[1].content
    assert deliveries[1].json()["txid"] == "tx-1"


async def test_a_deposit_that_arrives_confirmed_is_posted_once(
    hooked: GatewaySandbox, sink: CallbackSink
) -> None:
    wallet = hooked._state.create_wallet(
        {"ticker": "USDT", "network": "tron", "callback_url": HOOK}
    )
    await hooked.deposit(wallet.address, 100, confirmed=True)
    assert [body["status"] for body in sink.bodies()] == ["5"]


async def test_a_withdrawal_posts_every_status_it_passes(
    hooked: GatewaySandbox, sink: CallbackSink
) -> None:
    funded(hooked, USDT="100")
    async with httpx.AsyncClient(transport=hooked.transport(), base_url=BASE_URL) as http:
        raw = raw_for(hooked, http)
        created = (
            await raw.post(
                "/api/gateway/withdraw/create",
                {
                    "ticker": "USDT",
                    "network": "tron",
                    "address": TRON,
                    "amount": 22,
                    "callback_url": HOOK,
                    "client_order_id": "order_123",
                },
            )
        ).json()
        assert sink.received == []  # created, not yet changed
        await hooked.advance_withdrawal(created["id"], to=WithdrawStatus.DONE)
        [listed] = await history(raw, "/api/gateway/withdraw/history")
    bodies = sink.bodies()
    assert [body["status"] for body in bodies] == [20, 23, 26, 30]
    assert {body["client_order_id"] for body in bodies} == {"order_123"}
    assert bodies[-1] == json.loads(json.dumps(listed), parse_float=Decimal)
    assert bodies[-1]["txid"] == listed["txid"] is not None


async def test_an_invoice_payment_is_posted(hooked: GatewaySandbox, sink: CallbackSink) -> None:
    invoice = hooked._state.create_invoice(
        {
            "ticker": "UAH",
            "network": "wiretransfer",
            "amount": 300,
            "client_ip": "203.0.113.7",
            "callback_url": HOOK,
        },
        pay_url=lambda slug: slug,
    )
    payment = await hooked.pay_invoice(invoice.slug, confirmed=False)
    await hooked.reject_deposit(payment["txid"])
    assert [(b["status"], b["amount"]) for b in sink.bodies()] == [
        ("1", "292.00000000"),
        ("6", "292.00000000"),
    ]
    assert set(sink.bodies()[0]) == {
        "date",
        "amount",
        "fee",
        "ticker",
        "network",
        "status",
        "txid",
        "convert",
        "created_at",
    }


async def test_no_callback_url_no_callback(hooked: GatewaySandbox, sink: CallbackSink) -> None:
    wallet = hooked._state.create_wallet({"ticker": "BTC", "network": "bitcoin"})
    await hooked.deposit(wallet.address, "1", confirmed=True)
    assert sink.received == []
    assert hooked.callbacks == []


async def test_a_receiver_that_does_not_answer_200_is_recorded_not_raised(
    hooked: GatewaySandbox, sink: CallbackSink
) -> None:
    sink.status = 500
    wallet = hooked._state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": HOOK}
    )
    deposit = await hooked.deposit(wallet.address, "1")
    assert deposit["status"] == "1"
    [delivery] = hooked.callbacks
    assert (delivery.status_code, delivery.delivered) == (500, False)
    assert delivery.error == "the receiver answered 500, not 200"
    assert len(sink.received) == 1  # not retried


async def test_a_receiver_that_cannot_be_reached_is_recorded_not_raised() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        async with GatewaySandbox(callback_client=client) as sandbox:
            wallet = sandbox._state.create_wallet(
                {"ticker": "BTC", "network": "bitcoin", "callback_url": HOOK}
            )
            await sandbox.deposit(wallet.address, "1", confirmed=True)
            [delivery] = sandbox.callbacks
        assert not client.is_closed  # a client passed in is the caller's to close
    assert delivery == CallbackDelivery(
        url=HOOK,
        body=delivery.body,
        status_code=None,
        error="ConnectError: connection refused",
    )


async def test_callbacks_reach_a_real_receiver_on_loopback() -> None:
    received: list[tuple[str, bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((request.headers["content-type"], await request.body()))
        return PlainTextResponse("ok")

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with serve(receiver) as receiver_url, GatewaySandbox() as sandbox:
        wallet = sandbox._state.create_wallet(
            {"ticker": "BTC", "network": "bitcoin", "callback_url": f"{receiver_url}/hook"}
        )
        await sandbox.deposit(wallet.address, "0.25", confirmed=True)
        owned = sandbox._callback_client
        assert owned is not None
    assert owned.is_closed  # the sandbox made it, and closed it
    [(content_type, body)] = received
    assert content_type == "application/json"
    assert json.loads(body)["amount"] == "0.25000000"
    assert sandbox.callbacks[0].status_code == 200


async def test_callbacks_are_listed_and_cleared_over_http(
    hooked: GatewaySandbox, sink: CallbackSink
) -> None:
    wallet = hooked._state.create_wallet(
        {"ticker": "BTC", "network": "bitcoin", "callback_url": HOOK}
    )
    await hooked.deposit(wallet.address, "1", txid="tx-9")
    async with httpx.AsyncClient(transport=hooked.transport(), base_url=BASE_URL) as http:
        [listed] = (await http.get("/sandbox/callbacks")).json()
        assert listed["url"] == HOOK
        assert listed["status_code"] == 200
        assert listed["error"] is None
        assert json.loads(listed["body"])["txid"] == "tx-9"
        assert (await http.delete("/sandbox/callbacks")).status_code == 204
        assert (await http.get("/sandbox/callbacks")).json() == []
