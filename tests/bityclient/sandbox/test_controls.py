"""The sandbox's HTTP controls under /sandbox/: unauthenticated, not journaled, strict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bityclient.sandbox import BitySandbox

from .conftest import ORDERS, TOKEN, assert_error, bearer, create_order, login, password_form


def order_id(order: dict[str, Any]) -> int:
    return int(order["resource_uri"].split("/")[-2])


async def test_controls_are_not_journaled(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    await http.get("/api/v1/rate2/")
    await http.post("/sandbox/tokens/expire")
    await http.get("/sandbox/settings")
    assert [(r.method, r.path) for r in sandbox.requests] == [("GET", "/api/v1/rate2/")]


async def test_register_a_phone(http: httpx.AsyncClient) -> None:
    response = await http.post("/sandbox/phones", json={"phone": "+33612345678", "code": "777"})
    assert (response.status_code, response.json()) == (201, {"code": "777"})
    verify = await http.post(
        "/api/v1/user_signup/verifyphone/", json={"phone": "+33612345678", "code": "777"}
    )
    assert verify.json() == {"activated": True}
    drawn = await http.post("/sandbox/phones", json={"phone": "+33612345670"})
    assert drawn.json()["code"].isdigit()


async def test_add_a_user(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    response = await http.post("/sandbox/users", json={"username": "bob", "password": "pw"})
    assert response.status_code == 201
    assert response.json() == {"username": "bob", "person": "/api/v1/person/151516/"}
    grant = await http.post(TOKEN, data=password_form(sandbox, username="bob", password="pw"))
    assert grant.status_code == 200


async def test_expire_and_revoke(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    token = await login(http, sandbox)
    expired = await http.post("/sandbox/tokens/expire")
    assert expired.json() == {"expired": 1}
    assert_error(await http.get(ORDERS, headers=bearer(token)), 401, "invalid_token")
    revoked = await http.post("/sandbox/tokens/revoke")
    assert revoked.json() == {"revoked": 1}
    refresh = await http.post(
        TOKEN,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": sandbox.client_id,
        },
    )
    assert_error(refresh, 401, "invalid_grant")


async def test_set_a_rate(http: httpx.AsyncClient) -> None:
    response = await http.put("/sandbox/rates/ETHEUR", json={"rate": "500", "spread": "0.02"})
    assert response.status_code == 200
    assert response.json()["rate_we_sell"] == "510.00000000"
    sell = await http.get("/api/v1/rate_we_sell/ETHEUR/")
    assert sell.json()["rate"] == "510.00000000"
    # A JSON number is read exactly (as a Decimal, never a float).
    number = await http.put("/sandbox/rates/ETHBTC", content=b'{"rate": 0.07123456}')
    assert number.json()["rate"] == "0.07123456"
    disabled = await http.put("/sandbox/rates/ETHBTC", json={"rate": "0.07", "enabled": False})
    assert disabled.json()["is_enabled"] is False


@pytest.mark.parametrize(
    ("pair", "body"),
    [
        ("ETHEUR", {}),
        ("ETHEUR", {"rate": "abc"}),
        ("ETHEUR", {"rate": "-1"}),
        ("ETHEUR", {"rate": True}),
        ("ETHEUR", {"rate": "1", "spread": "2"}),
        ("ETHEUR", {"rate": "1", "enabled": "no"}),
        ("ETHEUR", {"rate": "1", "colour": "red"}),
        ("ETHEUR", [1]),
        ("eth-eur", {"rate": "1"}),
    ],
)
async def test_set_a_rate_refuses_bad_input(http: httpx.AsyncClient, pair: str, body: Any) -> None:
    response = await http.put(f"/sandbox/rates/{pair}", json=body)
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_advance_an_order(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    token = await login(http, sandbox)
    created = (await create_order(http, token)).json()
    path = f"/sandbox/orders/{order_id(created)}/advance"
    paid = await http.post(path, json={"to": "CONF"})
    assert paid.json()["inputtransactions"][0]["status"] == "CONF"
    done = await http.post(path)  # no body: to EXEC
    assert done.status_code == 200
    assert done.json()["status"] == "EXEC"
    again = await http.post(path)
    assert again.status_code == 400
    assert "EXEC" in again.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/sandbox/orders/1/advance", None, 404),
        ("/sandbox/orders/abc/advance", None, 404),
        ("/sandbox/orders/179150/advance", {"to": "FILL"}, 400),
        ("/sandbox/orders/179150/advance", {"into": "EXEC"}, 400),
    ],
)
async def test_advance_refuses(
    http: httpx.AsyncClient, sandbox: BitySandbox, path: str, body: Any, status: int
) -> None:
    await create_order(http, await login(http, sandbox))  # order 179150
    response = await http.post(path, json=body)
    assert response.status_code == status
    assert response.json()["detail"]


async def test_settings(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    current = (await http.get("/sandbox/settings")).json()
    assert current == {
        "access_token_lifetime": 36000,
        "default_page_size": 5,
        "invalid_grant_status": 401,
        "tokens_issued": 0,
        "refreshes": 0,
    }
    changed = await http.put("/sandbox/settings", json={"access_token_lifetime": 5})
    assert changed.json()["access_token_lifetime"] == 5
    assert sandbox.access_token_lifetime == 5
    assert (await login(http, sandbox))["expires_in"] == 5
    await http.put("/sandbox/settings", json={"default_page_size": 2, "invalid_grant_status": 400})
    assert (sandbox.default_page_size, sandbox.invalid_grant_status) == (2, 400)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"access_token_lifetime": -1},
        {"access_token_lifetime": "10"},
        {"access_token_lifetime": 1.5},
        {"default_page_size": 0},
        {"invalid_grant_status": 403},
        {"invalid_grant_status": True},
        {"access_token_lifetime": 10, "page_size": 3},
    ],
)
async def test_settings_refuse_bad_input(
    http: httpx.AsyncClient, sandbox: BitySandbox, body: Any
) -> None:
    response = await http.put("/sandbox/settings", json=body)
    assert response.status_code == 400
    # Nothing changed, not even a valid value given alongside an invalid one.
    assert sandbox.access_token_lifetime == 36000


async def test_seed_and_reset(http: httpx.AsyncClient, sandbox: BitySandbox) -> None:
    token = await login(http, sandbox)
    seeded = await http.post("/sandbox/seed")
    assert seeded.status_code == 201
    assert len(seeded.json()["orders"]) == 4
    assert (await http.get(ORDERS, headers=bearer(token))).json()["meta"]["total_count"] == 4
    sandbox.set_rate("ETHEUR", rate=Decimal("1"))
    sandbox.access_token_lifetime = 3
    sandbox.fail_next("/api/v1/rate2/", status=503)
    reset = await http.post("/sandbox/reset")
    assert reset.json() == {"reset": True}
    # Everything is as at construction: tokens, orders, rates, settings, faults, journal.
    assert sandbox.requests == []
    assert_error(await http.get(ORDERS, headers=bearer(token)), 401, "invalid_token")
    assert (sandbox.tokens_issued, sandbox.access_token_lifetime) == (0, 36000)
    rates = (await http.get("/api/v1/rate2/")).json()
    assert rates["objects"][0]["rate"] == "452.40000000"
    fresh = await login(http, sandbox)
    assert (await http.get(ORDERS, headers=bearer(fresh))).json()["meta"]["total_count"] == 0


async def test_the_shared_controls_are_mounted(http: httpx.AsyncClient) -> None:
    armed = await http.post("/sandbox/faults", json={"path": "/api/v1/rate2/", "status": 503})
    assert armed.status_code == 201
    assert_error(await http.get("/api/v1/rate2/"), 503, "temporarily_unavailable")
    journal = (await http.get("/sandbox/requests")).json()
    assert [r["path"] for r in journal] == ["/api/v1/rate2/"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/sandbox/phones"),
        ("POST", "/sandbox/users"),
        ("PUT", "/sandbox/settings"),
    ],
)
async def test_control_bodies_must_be_json_objects(
    http: httpx.AsyncClient, method: str, path: str
) -> None:
    for content in (b"", b"nope", b"[]", b"{}"):
        response = await http.request(method, path, content=content)
        assert response.status_code == 400, (path, content)


async def test_register_a_bad_phone_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/sandbox/phones", json={"phone": "0041"})
    assert response.status_code == 400
