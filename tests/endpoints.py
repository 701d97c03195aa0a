"""Every endpoint of both clients, callable against one canned answer.

Tests that must hold for every endpoint (charsets, 3xx answers, fuzzed bodies)
walk `ENDPOINTS`: each entry calls its endpoint on a fresh client whose transport
answers every request with the same `httpx.Response`, and never retries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import httpx

from bitexgate import BitexGateClient
from bityclient import BityClient, OrderCategory, Token
from common import RetryPolicy
from tests.conftest import FIXTURES

NO_RETRIES = RetryPolicy(max_retries=0)
NOW = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
ACCESS_TOKEN = "access-token-0001"

Answer = Callable[[httpx.Request], httpx.Response]


@attrs.frozen
class Endpoint:
    """One endpoint: how to call it, what it sends, and its documented answer."""

    name: str
    api: str  # "bitexgate" or "bityclient"
    call: Callable[[Any], Awaitable[Any]]
    sample: str  # the documented answer, under tests/fixtures/<api>/
    method: str = "GET"
    #: It creates something (a payment, an order, a token): a 2xx it cannot read
    #: leaves the outcome unknown.
    creates: bool = False

    @property
    def idempotent(self) -> bool:
        return self.method == "GET"

    def sample_bytes(self) -> bytes:
        return (FIXTURES / self.api / self.sample).read_bytes()

    async def run(self, answer: Answer) -> Any:
        """Call the endpoint on a new client whose every request gets `answer`."""
        transport = httpx.MockTransport(answer)
        if self.api == "bitexgate":
            async with BitexGateClient(
                api_key="key-0001",
                secret="secret-0001",
                transport=transport,
                retry=NO_RETRIES,
                reconcile_delays=(),  # one request per call: its answer is what is tested
            ) as gw:
                return await self.call(gw)
        token = Token(
            access_token=ACCESS_TOKEN,
            refresh_token="refresh-token-0001",
            expires_at=NOW + timedelta(hours=1),
        )
        async with BityClient(
            client_id="client-0001",
            token=token,
            transport=transport,
            retry=NO_RETRIES,
            clock=lambda: NOW,
            reconcile_delays=(),
        ) as bity:
            return await self.call(bity)


def _gw(name: str, sample: str, call: Callable[[Any], Awaitable[Any]], **kw: Any) -> Endpoint:
    return Endpoint(name=name, api="bitexgate", call=call, sample=sample, **kw)


def _bity(name: str, sample: str, call: Callable[[Any], Awaitable[Any]], **kw: Any) -> Endpoint:
    return Endpoint(name=name, api="bityclient", call=call, sample=sample, **kw)


async def _first_page(paginator: Any) -> Any:
    return await paginator


ENDPOINTS: tuple[Endpoint, ...] = (
    _gw("payment_methods.list", "payment_methods.json", lambda gw: gw.payment_methods.list()),
    _gw(
        "wallets.create",
        "wallet_create.json",
        lambda gw: gw.wallets.create(ticker="USDT", network="tron"),
        method="POST",
        creates=True,
    ),
    _gw("wallets.list", "wallets.json", lambda gw: _first_page(gw.wallets.list())),
    _gw("wallets.history", "wallet_history.json", lambda gw: _first_page(gw.wallets.history())),
    _gw(
        "invoices.create",
        "invoice_create.json",
        lambda gw: gw.invoices.create(
            ticker="USDT", network="payeer", amount=Decimal("120"), client_ip="203.0.113.7"
        ),
        method="POST",
        creates=True,
    ),
    _gw("invoices.list", "invoices.json", lambda gw: _first_page(gw.invoices.list())),
    _gw("invoices.history", "invoice_history.json", lambda gw: _first_page(gw.invoices.history())),
    _gw(
        "withdrawals.create",
        "withdraw_create.json",
        lambda gw: gw.withdrawals.create(
            ticker="USDT",
            network="tron",
            address="TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW",
            amount=Decimal("22"),
            client_order_id="order_123",
        ),
        method="POST",
        creates=True,
    ),
    _gw(
        "withdrawals.history",
        "withdraw_history.json",
        lambda gw: _first_page(gw.withdrawals.history()),
    ),
    _bity(
        "users.verify_phone",
        "verifyphone.json",
        lambda bity: bity.users.verify_phone(phone="+41786399501", code="381499"),
        method="POST",
    ),
    _bity("rates.list", "rates_list.json", lambda bity: _first_page(bity.rates.list())),
    _bity("rates.we_sell", "rate_we_sell_ETHBTC.json", lambda bity: bity.rates.we_sell("ETHBTC")),
    _bity("rates.we_buy", "rate_we_buy_ETHBTC.json", lambda bity: bity.rates.we_buy("ETHBTC")),
    _bity(
        "orders.create",
        "order_created.json",
        lambda bity: bity.orders.create(
            category=OrderCategory.BUY_ETH, amount=Decimal("0.5"), crypto_address="0xabc"
        ),
        method="POST",
        creates=True,
    ),
    _bity("orders.list", "orders_list.json", lambda bity: _first_page(bity.orders.list())),
    _bity(
        "login",
        "token.json",
        lambda bity: bity.login(username="+41786399501", password="pass-0001"),
        method="POST",
        creates=True,
    ),
)

CREATES = tuple(endpoint for endpoint in ENDPOINTS if endpoint.creates)
NOT_IDEMPOTENT = tuple(endpoint for endpoint in ENDPOINTS if not endpoint.idempotent)
