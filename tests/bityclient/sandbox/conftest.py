"""Fixtures for the sandbox tests: a sandbox on a fake clock, raw httpx and SDK clients on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bityclient import BityClient
from bityclient.sandbox import BitySandbox
from tests.bityclient.conftest import NO_WAIT, FakeClock

SANDBOX_URL = "http://bity.sandbox"
ORDERS = "/api/v1/order/"
TOKEN = "/o/token/"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> BitySandbox:
    return BitySandbox(clock=clock)


@pytest.fixture
async def http(sandbox: BitySandbox) -> AsyncIterator[httpx.AsyncClient]:
    """Raw httpx, in process (no socket)."""
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=SANDBOX_URL) as client:
        yield client


@pytest.fixture
async def bity(sandbox: BitySandbox, clock: FakeClock) -> AsyncIterator[BityClient]:
    """The SDK on the sandbox, in process, not logged in."""
    async with BityClient(
        client_id=sandbox.client_id,
        base_url=SANDBOX_URL,
        transport=sandbox.transport(),
        retry=NO_WAIT,
        clock=clock,
        reconcile_delays=(0, 0),
    ) as client:
        yield client


def password_form(sandbox: BitySandbox, **changes: str) -> dict[str, str]:
    form = {
        "grant_type": "password",
        "username": sandbox.username,
        "password": sandbox.password,
        "client_id": sandbox.client_id,
    }
    form.update(changes)
    return form


async def login(http: httpx.AsyncClient, sandbox: BitySandbox) -> dict[str, Any]:
    """A password grant's answer (the token body)."""
    response = await http.post(TOKEN, data=password_form(sandbox))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: dict[str, Any] | str) -> dict[str, str]:
    access = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {access}"}


async def create_order(
    http: httpx.AsyncClient, token: dict[str, Any], **body: Any
) -> httpx.Response:
    """POST an order (defaults: BUY_ETH of 0.5 BTC) and return the raw answer."""
    payload: dict[str, Any] = {
        "category": "BUY_ETH",
        "amount": "0.5",
        "crypto_address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    }
    payload.update(body)
    payload = {key: value for key, value in payload.items() if value is not ...}
    return await http.post(ORDERS, json=payload, headers=bearer(token))


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    """The answer is `status` with Bity's error body `{"error", "error_description"}`."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert body["error_description"]
    return body
