"""A gateway client wired to respx, and a check of what it signed."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from bitexgate import BitexGateClient, RetryPolicy

BASE_URL = "https://www.bitexbit.com"
API_KEY = "0000-1111-2222-3333"
SECRET = "Z%2s3cr3t-for-tests"
NOW = 1_700_000_000.123


def reference_signature(key: str, path: str, timeout: int, body: str = "") -> str:
    """The reference document's own algorithm, verbatim in substance."""
    payload = f"{key}{path}{timeout}{body}"
    return hmac.new(SECRET.encode(), payload.encode(), digestmod="sha256").hexdigest()


def assert_signed(request: httpx.Request, *, window_ms: int = 500) -> None:
    """The three auth headers are present and sign exactly what was sent."""
    assert request.headers["X-Key"] == API_KEY
    timeout = int(request.headers["X-Timeout"])
    assert timeout == int(NOW * 1000) + window_ms
    body = request.content.decode("utf-8")
    expected = reference_signature(API_KEY, request.url.path, timeout, body)
    assert hmac.compare_digest(request.headers["X-Sign"], expected)


@pytest.fixture
def gateway_mock() -> respx.MockRouter:
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def gw(gateway_mock: respx.MockRouter) -> AsyncIterator[BitexGateClient]:
    client = BitexGateClient(
        api_key=API_KEY,
        secret=SECRET,
        clock=lambda: NOW,
        retry=RetryPolicy(initial_delay=0, max_retry_after=0),
        reconcile_delays=(),  # the lookup after a lost answer: test_reconcile.py
    )
    async with client:
        yield client
