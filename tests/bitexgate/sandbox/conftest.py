"""A gateway sandbox, a raw signed HTTP client to it, the SDK client on it, a callback sink."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bitexgate import BitexGateClient, RetryPolicy
from bitexgate.sandbox import GatewaySandbox

BASE_URL = "http://sandbox.test"


def signature(secret: str, key: str, path: str, timeout: int | str, body: str = "") -> str:
    """The reference document's `get_signature`, verbatim in substance."""
    payload = f"{key}{path}{timeout}{body}"
    return hmac.new(secret.encode(), payload.encode(), digestmod="sha256").hexdigest()


class Raw:
    """Signs and sends requests by hand, as the reference's own sample client does."""

    def __init__(self, sandbox: GatewaySandbox, http: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.http = http

    def headers(self, path: str, body: bytes = b"", *, ahead_ms: int = 500) -> dict[str, str]:
        timeout = int(time.time() * 1000) + ahead_ms
        return {
            "X-Key": self.sandbox.api_key,
            "X-Timeout": str(timeout),
            "X-Sign": signature(
                self.sandbox.secret, self.sandbox.api_key, path, timeout, body.decode()
            ),
        }

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self.headers(path))

    async def post(self, path: str, payload: Any) -> httpx.Response:
        body = json.dumps(payload, default=str).encode()
        return await self.post_bytes(path, body)

    async def post_bytes(
        self, path: str, body: bytes, content_type: str | None = "application/json; charset=utf-8"
    ) -> httpx.Response:
        headers = self.headers(path, body)
        if content_type is not None:
            headers["Content-Type"] = content_type
        return await self.http.post(path, content=body, headers=headers)


@pytest.fixture
async def sandbox() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox() as created:
        yield created


@pytest.fixture
async def http(sandbox: GatewaySandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def raw(sandbox: GatewaySandbox, http: httpx.AsyncClient) -> Raw:
    return Raw(sandbox, http)


@pytest.fixture
async def gw(sandbox: GatewaySandbox) -> AsyncIterator[BitexGateClient]:
    async with BitexGateClient(
        api_key=sandbox.api_key,
        secret=sandbox.secret,
        base_url=BASE_URL,
        transport=sandbox.transport(),
        retry=RetryPolicy(initial_delay=0, max_retry_after=1),
        reconcile_delays=(0, 0),
    ) as client:
        yield client


class CallbackSink:
    """A callback receiver behind an httpx.MockTransport: records, answers `status`."""

    def __init__(self) -> None:
        self.received: list[httpx.Request] = []
        self.status = 200

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return httpx.Response(self.status, text="ok")

    def bodies(self) -> list[Any]:
        return [json.loads(request.content, parse_float=Decimal) for request in self.received]


@pytest.fixture
def sink() -> CallbackSink:
    return CallbackSink()


@pytest.fixture
async def hooked(sink: CallbackSink) -> AsyncIterator[GatewaySandbox]:
    """A sandbox whose callbacks go to `sink`."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(sink.handler))
    async with client, GatewaySandbox(callback_client=client) as created:
        yield created


def funded(sandbox: GatewaySandbox, **balances: str) -> GatewaySandbox:
    for ticker, amount in balances.items():
        sandbox.set_balance(ticker, Decimal(amount))
    return sandbox
