"""`withdrawals.create` after a lost answer: it looks the withdrawal up, and never resends it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from bitexgate import (
    AmountMismatchError,
    BadRequestError,
    BitexGateClient,
    ConnectError,
    RequestTimeout,
    RetryPolicy,
    SDKError,
    ServiceUnavailableError,
    ValidationError,
)
from tests.conftest import SleepRecorder, fixture_json

from .conftest import API_KEY, NOW, SECRET

CREATE = "/api/gateway/withdraw/create"
HISTORY = "/api/gateway/withdraw/history"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
#: When the client sent it: the record the server made then.
AT_NOW = datetime.fromtimestamp(NOW, timezone.utc).isoformat().replace("+00:00", "Z")
DELAYS = (0, 0, 0)


def made(client_order_id: str = "order_123", **changes: Any) -> dict[str, Any]:
    """The history item of the withdrawal the lost request made."""
    item = dict(fixture_json("bitexgate", "withdraw_history.json")["results"][0])
    item.update(id=41, client_order_id=client_order_id, created_at=AT_NOW, amount="22")
    item.update(changes)
    return item


def history(*items: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"count": len(items), "next": None, "results": list(items)})


@pytest.fixture
async def client() -> AsyncIterator[BitexGateClient]:
    """A client that looks after each of three waits of no length."""
    async with BitexGateClient(
        api_key=API_KEY,
        secret=SECRET,
        clock=lambda: NOW,
        retry=RetryPolicy(max_retries=0),
        reconcile_delays=DELAYS,
    ) as gw:
        yield gw


async def withdraw(gw: BitexGateClient, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "ticker": "USDT",
        "network": "tron",
        "address": TRON,
        "amount": Decimal("22"),
        "client_order_id": "order_123",
        **changes,
    }
    return await gw.withdrawals.create(**arguments)


LOST_ANSWERS = [
    pytest.param(httpx.Response(502, json={"detail": "Bad gateway."}), id="502"),
    pytest.param(httpx.ReadTimeout("timed out"), id="timeout"),
    pytest.param(httpx.RemoteProtocolError("Server disconnected"), id="reset"),
    pytest.param(httpx.Response(201, text="<html>not json</html>"), id="undecodable-201"),
]


@pytest.mark.parametrize("lost", LOST_ANSWERS)
async def test_a_lost_answer_is_recovered_from_the_history(
    client: BitexGateClient,
    gateway_mock: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    lost: Any,
) -> None:
    post = gateway_mock.post(CREATE).mock(side_effect=[lost])
    look = gateway_mock.get(HISTORY).mock(
        side_effect=[history(), history(made(client_order_id="other")), history(made())]
    )
    with caplog.at_level(logging.WARNING, logger="bitexgate"):
        withdrawal = await withdraw(client)
    assert (withdrawal.id, withdrawal.client_order_id) == (41, "order_123")
    assert post.call_count == 1  # never resent
    assert look.call_count == 3  # found on the third look
    assert dict(look.calls[0].request.url.params) == {
        "ordering": "-id",
        "limit": "100",
        "ticker": "USDT",
        "network": "tron",
        "address": TRON,
    }
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert "recovered withdrawal 41 (client_order_id 'order_123')" in warning.getMessage()
    for secret in (API_KEY, SECRET):
        assert secret not in caplog.text


async def test_the_settle_schedule_is_the_clients(
    gateway_mock: respx.MockRouter, sleeps: SleepRecorder
) -> None:
    gateway_mock.post(CREATE).respond(504)
    gateway_mock.get(HISTORY).mock(side_effect=[history(), history(made())])
    async with BitexGateClient(api_key=API_KEY, secret=SECRET, clock=lambda: NOW) as gw:
        gw.withdrawals._gateway.sleep = sleeps  # record the waits instead of sleeping
        await withdraw(gw)
    assert sleeps.delays == [0.5, 1.0]  # the default schedule, up to the look that found it


async def test_not_found_raises_the_original_error_saying_where_it_looked(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    post = gateway_mock.post(CREATE).respond(502, json={"detail": "Bad gateway."})
    look = gateway_mock.get(HISTORY).mock(return_value=history(made(client_order_id="other")))
    with pytest.raises(ServiceUnavailableError) as caught:
        await withdraw(client)
    error = caught.value
    assert (error.status_code, error.method) == (502, "POST")
    assert error.body == {"detail": "Bad gateway."}
    assert error.outcome_unknown
    assert error.may_have_reached_server
    assert error.message.startswith(f"POST {client.base_url}{CREATE} returned 502")
    assert (
        "The SDK looked for client_order_id 'order_123' in withdraw/history (created since "
        "2023-11-14T21:58:20+00:00) 3 times over "
    ) in str(error)
    assert "did not find it" in str(error)
    assert error.hint == (
        "Look for it with withdrawals.find(client_order_id='order_123') before withdrawing again."
    )
    assert (post.call_count, look.call_count) == (1, 3)


async def test_an_older_withdrawal_with_the_same_id_is_not_taken_for_it(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(CREATE).respond(502)
    reused = made(id=3, created_at="2023-11-14T12:00:00Z")  # hours before this request
    gateway_mock.get(HISTORY).mock(return_value=history(reused))
    with pytest.raises(ServiceUnavailableError):
        await withdraw(client)


async def test_a_failed_lookup_never_hides_the_lost_answer(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(CREATE).mock(side_effect=httpx.ReadTimeout("timed out"))
    look = gateway_mock.get(HISTORY).respond(503, json={"detail": "Service unavailable."})
    with pytest.raises(RequestTimeout) as caught:
        await withdraw(client)
    text = str(caught.value)
    assert "3 times over" in text
    assert "but every look failed; the last look: ServiceUnavailableError: GET" in text
    assert caught.value.outcome_unknown
    assert look.call_count == 3


async def test_a_lookup_that_fails_then_finds_it_recovers(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(CREATE).mock(side_effect=httpx.RemoteProtocolError("reset"))
    gateway_mock.get(HISTORY).mock(
        side_effect=[httpx.Response(502), httpx.ConnectError("down"), history(made())]
    )
    assert (await withdraw(client)).id == 41


async def test_the_recovered_withdrawal_is_checked_like_an_answer(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(CREATE).respond(502)
    gateway_mock.get(HISTORY).mock(return_value=history(made(amount="20")))
    with pytest.raises(AmountMismatchError) as caught:
        await withdraw(client)
    assert (caught.value.sent, caught.value.received) == (Decimal(22), Decimal(20))
    assert caught.value.record.id == 41  # it exists: never send it again


async def test_without_a_client_order_id_nothing_is_looked_up(
    client: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.post(CREATE).respond(502)
    look = gateway_mock.get(HISTORY).mock(return_value=history(made()))
    with pytest.raises(ServiceUnavailableError) as caught:
        await withdraw(client, client_order_id=None)
    assert not look.called
    assert caught.value.hint is not None
    assert "Pass a client_order_id with each withdrawal" in caught.value.hint
    assert "The SDK looked" not in str(caught.value)


async def test_an_empty_schedule_turns_looking_off(gateway_mock: respx.MockRouter) -> None:
    gateway_mock.post(CREATE).respond(502)
    look = gateway_mock.get(HISTORY).mock(return_value=history(made()))
    async with BitexGateClient(api_key=API_KEY, secret=SECRET, reconcile_delays=()) as gw:
        with pytest.raises(ServiceUnavailableError) as caught:
            await withdraw(gw)
    assert not look.called
    assert "withdrawals.find(client_order_id='order_123')" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(400, json={"amount": ["Too small."]}), BadRequestError),
        (httpx.ConnectError("refused"), ConnectError),  # provably never left
    ],
)
async def test_a_known_outcome_is_not_looked_up(
    client: BitexGateClient, gateway_mock: respx.MockRouter, answer: Any, error: type[SDKError]
) -> None:
    gateway_mock.post(CREATE).mock(side_effect=[answer])
    look = gateway_mock.get(HISTORY).mock(return_value=history(made()))
    with pytest.raises(error) as caught:
        await withdraw(client)
    assert not caught.value.outcome_unknown
    assert not look.called


async def test_cancelling_while_it_looks_cancels(gateway_mock: respx.MockRouter) -> None:
    post = gateway_mock.post(CREATE).respond(502)
    look = gateway_mock.get(HISTORY).mock(return_value=history())
    waiting = asyncio.Event()

    async def wait_for_ever(delay: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    async with BitexGateClient(api_key=API_KEY, secret=SECRET) as gw:
        gw.withdrawals._gateway.sleep = wait_for_ever
        task = asyncio.create_task(withdraw(gw))
        await waiting.wait()  # the answer was lost; it waits to look
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert post.call_count == 1
    assert not look.called


@pytest.mark.parametrize("delays", [0.5, (0.5, -1), tuple([0.5] * 21), (61,), "0.5"], ids=repr)
def test_a_bad_schedule_is_refused(delays: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        BitexGateClient(api_key=API_KEY, secret=SECRET, reconcile_delays=delays)
    assert caught.value.field.startswith("reconcile_delays")
