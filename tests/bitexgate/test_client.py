"""The client as a service uses it: shared pools, many tasks at once, clean shutdown."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest

from bitexgate import BitexGateClient, RetryPolicy

from .conftest import API_KEY, NOW, SECRET, reference_signature


def gateway_app(seen: list[httpx.Request]) -> httpx.MockTransport:
    """A tiny gateway: verifies every signature and answers like the reference."""

    async def handle(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # let other tasks interleave
        seen.append(request)
        timeout = int(request.headers["X-Timeout"])
        expected = reference_signature(
            request.headers["X-Key"], request.url.path, timeout, request.content.decode()
        )
        if request.headers["X-Sign"] != expected:
            return httpx.Response(401, json={"detail": "Invalid signature."})
        if request.url.path == "/api/gateway/withdraw/create":
            body = json.loads(request.content, parse_float=Decimal)
            return httpx.Response(
                200,
                json={
                    "id": int(body["client_order_id"].split("-")[1]),
                    "ticker": body["ticker"],
                    "network": body["network"],
                    "address": body["address"],
                    "amount": str(body["amount"]),
                    "client_order_id": body["client_order_id"],
                    "fee_payer": 1,
                    "status": 10,
                    "created_at": "2021-05-21T13:28:32.095Z",
                },
            )
        return httpx.Response(200, json=[])

    return httpx.MockTransport(handle)


async def test_many_concurrent_withdrawals_each_signed_and_none_lost() -> None:
    seen: list[httpx.Request] = []
    async with BitexGateClient(
        api_key=API_KEY, secret=SECRET, transport=gateway_app(seen), clock=lambda: NOW
    ) as gw:
        results = await asyncio.gather(
            *(
                gw.withdrawals.create(
                    ticker="USDT",
                    network="tron",
                    address=f"T{n}",
                    amount=Decimal(n) + Decimal("0.01"),
                    client_order_id=f"order-{n}",
                )
                for n in range(200)
            )
        )
    assert len(seen) == 200
    assert sorted(w.id for w in results) == list(range(200))
    for w in results:
        assert w.amount == Decimal(w.id) + Decimal("0.01")
        assert w.address == f"T{w.id}"


async def test_a_shared_http_client_is_used_and_left_open() -> None:
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=gateway_app(seen)) as shared:
        async with BitexGateClient(api_key=API_KEY, secret=SECRET, http_client=shared) as gw:
            assert await gw.payment_methods.list() == []
        assert not shared.is_closed
        # A second client over the same pool, as two FastAPI dependencies would share it.
        async with BitexGateClient(api_key=API_KEY, secret=SECRET, http_client=shared) as gw:
            assert await gw.payment_methods.list() == []
        assert not shared.is_closed
    assert len(seen) == 2
    assert all(r.url.host == "www.bitexbit.com" for r in seen)


async def test_an_owned_client_is_closed() -> None:
    gw = BitexGateClient(api_key=API_KEY, secret=SECRET, transport=gateway_app([]))
    async with gw:
        pass
    assert gw._transport.is_closed


async def test_per_call_timeout_reaches_the_request() -> None:
    seen: list[httpx.Request] = []
    async with BitexGateClient(
        api_key=API_KEY, secret=SECRET, transport=gateway_app(seen), timeout=12
    ) as gw:
        await gw.payment_methods.list(timeout=2.5)
        await gw.payment_methods.list()
    assert seen[0].extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    assert seen[1].extensions["timeout"] == httpx.Timeout(12).as_dict()


async def test_custom_base_url_and_user_agent() -> None:
    seen: list[httpx.Request] = []
    async with BitexGateClient(
        api_key=API_KEY,
        secret=SECRET,
        base_url="http://127.0.0.1:8080/",
        transport=gateway_app(seen),
    ) as gw:
        await gw.payment_methods.list()
    assert str(seen[0].url) == "http://127.0.0.1:8080/api/gateway/payment-methods"
    assert seen[0].headers["User-Agent"].startswith("bitexgate-python/")
    assert seen[0].headers["Accept"] == "application/json"


async def test_redirects_are_not_followed() -> None:
    """A redirect could carry the signed headers to another host: it is an error instead."""
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(302, headers={"Location": "https://evil.example/steal"})

    async with BitexGateClient(
        api_key=API_KEY,
        secret=SECRET,
        transport=httpx.MockTransport(handle),
        retry=RetryPolicy(max_retries=0),
    ) as gw:
        from bitexgate import APIStatusError

        with pytest.raises(APIStatusError) as caught:
            await gw.payment_methods.list()
    assert caught.value.status_code == 302
    assert [r.url.host for r in calls] == ["www.bitexbit.com"]
