"""Injected faults, as the SDK meets them: retried reads, payments that are never resent."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from bitexgate import (
    BadRequestError,
    BitexGateClient,
    RateLimitError,
    ServiceUnavailableError,
)
from bitexgate.sandbox import GatewaySandbox
from tests.bitexgate.sandbox.conftest import funded

TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
WITHDRAW_CREATE = "/api/gateway/withdraw/create"
WITHDRAW_HISTORY = "/api/gateway/withdraw/history"


async def test_a_429_with_retry_after_is_waited_out_by_a_read(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    sandbox.fail_next("/api/gateway/payment-methods", status=429, retry_after=0)
    methods = await gw.payment_methods.list()
    assert len(methods) == 6
    attempts = sandbox.requests_to("/api/gateway/payment-methods")
    assert len(attempts) == 2
    assert all(attempt.header("x-sign") for attempt in attempts)  # each attempt was signed


async def test_a_429_that_asks_too_long_a_wait_is_raised(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    sandbox.fail_next("/api/gateway/wallets", status=429, retry_after=120)
    with pytest.raises(RateLimitError) as caught:
        await gw.wallets.list()
    assert caught.value.retry_after == 120
    assert caught.value.detail == "Request was throttled."


async def test_reads_are_retried_through_502s(gw: BitexGateClient, sandbox: GatewaySandbox) -> None:
    sandbox.fail_next("/api/gateway/withdraw/history", status=502, times=2)
    page = await gw.withdrawals.history()
    assert page.items == []
    assert len(sandbox.requests_to("/api/gateway/withdraw/history")) == 3


async def test_a_502_on_a_withdrawal_is_not_resent_and_says_the_outcome_is_unknown(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="100")
    sandbox.fail_next(WITHDRAW_CREATE, status=502)
    with pytest.raises(ServiceUnavailableError) as caught:
        await gw.withdrawals.create(
            ticker="USDT", network="tron", address=TRON, amount=22, client_order_id="order_123"
        )
    assert caught.value.outcome_unknown
    assert "order_123" in (caught.value.hint or "")
    assert len(sandbox.requests_to(WITHDRAW_CREATE)) == 1  # never resent
    assert len(sandbox.requests_to(WITHDRAW_HISTORY)) == 2  # looked for, after each wait
    # This 502 came before the sandbox handled it: nothing was withdrawn.
    assert [w async for w in gw.withdrawals.history()] == []
    assert sandbox.balance("USDT") == Decimal(100)


async def test_a_lost_answer_is_found_by_its_client_order_id(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    funded(sandbox, USDT="100")
    sandbox.fail_next(WITHDRAW_CREATE, status=502, after_handling=True)
    recovered = await gw.withdrawals.create(
        ticker="USDT", network="tron", address=TRON, amount=22, client_order_id="order_123"
    )
    # The withdrawal went out; the SDK found it in the history, as if answered.
    assert (recovered.client_order_id, recovered.amount) == ("order_123", Decimal(22))
    assert await gw.withdrawals.find(client_order_id="order_123") == recovered
    assert sandbox.balance("USDT") == Decimal(77)
    # Sending it again would not pay twice: the id is taken.
    with pytest.raises(BadRequestError) as again:
        await gw.withdrawals.create(
            ticker="USDT", network="tron", address=TRON, amount=22, client_order_id="order_123"
        )
    assert again.value.field_errors == {
        "client_order_id": ["Withdrawal with this client_order_id already exists."]
    }
    assert sandbox.balance("USDT") == Decimal(77)


async def test_a_delay_holds_the_request_then_answers(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    sandbox.delay_next("/api/gateway/wallets", seconds=0.01)
    assert (await gw.wallets.list()).items == []


async def test_faults_are_armed_over_http_in_the_drf_shape(
    gw: BitexGateClient, sandbox: GatewaySandbox
) -> None:
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://sb") as http:
        armed = await http.post(
            "/sandbox/faults", json={"path": "/api/gateway/invoices", "status": 503, "times": 5}
        )
        assert armed.status_code == 201
    with pytest.raises(ServiceUnavailableError) as caught:
        await gw.invoices.list()
    assert caught.value.body == {"detail": "Service unavailable."}
