"""The HTTP controls under /sandbox/: what a test in another process drives the sandbox with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import BASE_URL, Raw

TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"api_key": ""}, ValueError),
        ({"secret": " "}, ValueError),
        ({"default_page_size": 0}, ValueError),
        ({"default_page_size": 2.5}, TypeError),
        ({"max_signature_window": 0}, ValueError),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        GatewaySandbox(**kwargs)


async def test_deposits_over_http(
    http: httpx.AsyncClient, raw: Raw, sandbox: GatewaySandbox
) -> None:
    wallet = (
        await raw.post("/api/gateway/wallet/create", {"ticker": "USDT", "network": "tron"})
    ).json()
    arrived = await http.post(
        "/sandbox/deposits", json={"address": wallet["address"], "amount": "40", "txid": "t1"}
    )
    assert arrived.status_code == 201
    assert (arrived.json()["status"], arrived.json()["txid"]) == ("1", "t1")
    confirmed = await http.post("/sandbox/deposits/t1/confirm")
    assert confirmed.json()["status"] == "5"
    other = await http.post(
        "/sandbox/deposits", json={"address": wallet["address"], "amount": 2, "confirmed": False}
    )
    rejected = await http.post(f"/sandbox/deposits/{other.json()['txid']}/reject")
    assert rejected.json()["status"] == "6"
    assert sandbox.balance("USDT") == Decimal(40)
    assert sandbox.requests == [r for r in sandbox.requests if r.path.startswith("/api/")]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"address": "nowhere", "amount": "1"}, 404, "no wallet has the address 'nowhere'"),
        ({"amount": "1"}, 400, "address is required"),
        ({"address": "x", "amount": True}, 400, "amount must be a decimal number"),
        ({"address": "x", "amount": "0"}, 400, "amount must be a positive number"),
        ({"address": "x", "amount": "1", "confirmed": "yes"}, 400, "confirmed must be a bool"),
        ([1], 400, "Expected a JSON object."),
    ],
)
async def test_bad_control_input(
    http: httpx.AsyncClient, body: Any, status: int, detail: str
) -> None:
    response = await http.post("/sandbox/deposits", json=body)
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


async def test_malformed_control_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/sandbox/deposits", content=b"{oops")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


async def test_unknown_objects_are_404s(http: httpx.AsyncClient) -> None:
    for path in (
        "/sandbox/deposits/nope/confirm",
        "/sandbox/invoices/nope/pay",
        "/sandbox/withdrawals/9/advance",
        "/sandbox/withdrawals/9/refuse",
    ):
        response = await http.post(path)
        assert response.status_code == 404, path
    assert (await http.post("/sandbox/withdrawals/x/advance")).status_code == 404
    wrong_method = await http.get("/sandbox/reset")
    assert (wrong_method.status_code, wrong_method.json()) == (
        405,
        {"detail": 'Method "GET" not allowed.'},
    )


async def test_withdrawals_over_http(http: httpx.AsyncClient, raw: Raw) -> None:
    assert (await http.put("/sandbox/balances/USDT", json={"amount": "100"})).json() == {
        "ticker": "USDT",
        "balance": "100.00000000",
    }
    body = {"ticker": "USDT", "network": "tron", "address": TRON, "amount": 22}
    first = (await raw.post("/api/gateway/withdraw/create", body)).json()
    second = (await raw.post("/api/gateway/withdraw/create", body)).json()
    step = await http.post(f"/sandbox/withdrawals/{first['id']}/advance")
    assert step.json()["status"] == 20
    done = await http.post(f"/sandbox/withdrawals/{first['id']}/advance", json={"to": "done"})
    assert done.json()["status"] == 30
    moderated = await http.post(f"/sandbox/withdrawals/{second['id']}/advance", json={"to": 25})
    assert moderated.json()["status"] == 25
    final = await http.post(f"/sandbox/withdrawals/{first['id']}/advance")
    assert final.status_code == 400
    assert "final status" in final.json()["detail"]
    refused = await http.post(f"/sandbox/withdrawals/{second['id']}/refuse")
    assert refused.json()["status"] == 40
    bad_to = await http.post(f"/sandbox/withdrawals/{second['id']}/advance", json={"to": True})
    assert bad_to.status_code == 400
    balances = (await http.get("/sandbox/balances")).json()
    assert balances["USDT"] == "77.00000000"
    assert set(balances) == {"BTC", "ETH", "UAH", "USDT"}


async def test_balances_over_http_refuse_bad_input(http: httpx.AsyncClient) -> None:
    assert (await http.put("/sandbox/balances/DOGE", json={"amount": "1"})).status_code == 404
    assert (await http.put("/sandbox/balances/BTC", json={"amount": "-1"})).status_code == 400
    assert (await http.put("/sandbox/balances/BTC", json={})).status_code == 400
    assert (await http.put("/sandbox/balances/BTC", json={"amount": 0})).status_code == 200


async def test_invoices_over_http_and_the_pay_page(
    http: httpx.AsyncClient, raw: Raw, sandbox: GatewaySandbox
) -> None:
    invoice = (
        await raw.post(
            "/api/gateway/invoice/create",
            {
                "ticker": "UAH",
                "network": "wiretransfer",
                "amount": 300,
                "client_ip": "203.0.113.7",
                "payment_url": "https://shop.example/paid",
            },
        )
    ).json()
    paid = await http.post(f"/sandbox/invoices/{invoice['slug']}/pay", json={"amount": "100"})
    assert (paid.status_code, paid.json()["amount"], paid.json()["status"]) == (
        201,
        "94.00000000",
        "5",
    )
    pending = await http.post(f"/sandbox/invoices/{invoice['slug']}/pay", json={"confirmed": False})
    assert pending.json()["status"] == "1"

    page = await http.get(invoice["proceed_url"].removeprefix(BASE_URL))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "300.00000000 UAH" in page.text
    redirected = await http.post(
        f"/sandbox/pay/{invoice['slug']}",
        content=b"action=pay",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (redirected.status_code, redirected.headers["location"]) == (
        303,
        "https://shop.example/paid",
    )
    cancelled = await http.post(f"/sandbox/pay/{invoice['slug']}", content=b"action=cancel")
    assert cancelled.status_code == 200
    assert "cancelled" in cancelled.text
    history = (await raw.get("/api/gateway/invoice/history")).json()
    assert history["count"] == 3
    assert sandbox.balance("UAH") == Decimal(94) + Decimal(292)
    assert (await http.get("/sandbox/pay/nope")).status_code == 404


async def test_seed_and_reset_over_http(http: httpx.AsyncClient, raw: Raw) -> None:
    assert (await http.post("/sandbox/seed")).status_code == 204
    assert (await raw.get("/api/gateway/wallets")).json()["count"] == 4
    assert (await http.post("/sandbox/reset")).status_code == 204
    assert (await raw.get("/api/gateway/wallets")).json()["count"] == 0
