"""`withdrawals.find`: a withdrawal by its client_order_id, read newest first, stopping early."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx

from bitexgate import BitexGateClient, ValidationError, Withdrawal
from bitexgate._find import (
    CLOCK_MARGIN,
    UNKNOWN_CLOCK_MARGIN,
    ClientOrderScan,
    attempt_began,
)
from bitexgate._models import converter
from common._clock import ServerClock
from tests.conftest import fixture_json

from .conftest import BASE_URL, assert_signed

HISTORY = "/api/gateway/withdraw/history"
TRON = "TR4d6N2HoC3Annqt2JK6HhQWuNARMNx5pW"
CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def record(id: int, client_order_id: str | None, minutes: float = 0) -> dict[str, Any]:
    """The recorded history item, with this id and client_order_id, `minutes` after CREATED."""
    item = dict(fixture_json("bitexgate", "withdraw_history.json")["results"][0])
    moment = CREATED + timedelta(minutes=minutes)
    item.update(
        id=id,
        client_order_id=client_order_id,
        created_at=moment.isoformat().replace("+00:00", "Z"),
    )
    return item


def withdrawal(id: int, client_order_id: str | None, minutes: float = 0) -> Withdrawal:
    return converter.structure(record(id, client_order_id, minutes), Withdrawal)


def page(*items: dict[str, Any], next_page: int | None = None) -> dict[str, Any]:
    link = f"{BASE_URL}{HISTORY}?page={next_page}" if next_page else None
    return {"count": 1000, "next": link, "previous": None, "results": list(items)}


# --- the scan: pure -----------------------------------------------------------------------------


def test_the_scan_stops_at_the_withdrawal() -> None:
    scan = ClientOrderScan("order_123")
    assert not scan.read(withdrawal(9, "other"))
    assert not scan.read(withdrawal(8, None))
    assert scan.read(withdrawal(7, "order_123"))
    assert scan.found == withdrawal(7, "order_123")
    assert not scan.passed_since


def test_the_id_is_compared_as_the_server_stores_text() -> None:
    scan = ClientOrderScan(" order_123 ")
    assert scan.read(withdrawal(7, "order_123"))


def test_the_scan_stops_at_the_first_record_older_than_since_once_ids_descend() -> None:
    scan = ClientOrderScan("order_123", since=CREATED)
    assert not scan.read(withdrawal(9, "other", minutes=1))
    assert scan.read(withdrawal(8, "other", minutes=-1))
    assert (scan.found, scan.passed_since) == (None, True)


def test_an_older_first_record_does_not_stop_the_scan_alone() -> None:
    # One record says nothing of the order: the next one must show the ids falling.
    scan = ClientOrderScan("order_123", since=CREATED)
    assert not scan.read(withdrawal(9, "other", minutes=-5))
    assert scan.read(withdrawal(8, "other", minutes=-6))
    assert scan.passed_since


def test_a_server_that_ignores_the_ordering_is_not_trusted_with_since() -> None:
    scan = ClientOrderScan("order_123", since=CREATED)
    for id in (1, 2, 3):  # ascending: the newest may come last
        assert not scan.read(withdrawal(id, "other", minutes=-10 + id))
    assert not scan.read(withdrawal(2, "other", minutes=-9))  # it fell, but had risen
    assert scan.read(withdrawal(4, "order_123", minutes=1))


def test_the_same_id_on_an_older_withdrawal_is_not_the_one() -> None:
    scan = ClientOrderScan("order_123", since=CREATED)
    assert not scan.read(withdrawal(9, "order_123", minutes=-1))  # reused, and older
    assert scan.read(withdrawal(8, "other", minutes=-2))
    assert (scan.found, scan.passed_since) == (None, True)


def test_since_is_when_the_request_was_sent_on_the_servers_clock_less_a_margin() -> None:
    sent = 1_700_000_000.0
    fixed = ServerClock(fixed_offset=120.0)  # the server's clock is 2 minutes ahead
    assert attempt_began(sent, fixed).timestamp() == sent + 120 - CLOCK_MARGIN
    unknown = ServerClock()  # no Date seen yet: a wider margin
    assert attempt_began(sent, unknown).timestamp() == sent - UNKNOWN_CLOCK_MARGIN
    assert attempt_began(sent, unknown).tzinfo is timezone.utc


# --- find(): the requests -----------------------------------------------------------------------


async def test_find_reads_newest_first_with_the_filters_it_is_given(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(HISTORY).respond(json=page(record(9, "x"), record(7, "order_123")))
    found = await gw.withdrawals.find(
        client_order_id="order_123", ticker="USDT", network="tron", address=TRON
    )
    assert found == withdrawal(7, "order_123")
    [call] = route.calls
    assert dict(call.request.url.params) == {
        "ordering": "-id",
        "limit": "100",
        "ticker": "USDT",
        "network": "tron",
        "address": TRON,
    }
    assert_signed(call.request)


async def test_find_follows_the_pages_until_it_is_found(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(HISTORY).mock(
        side_effect=[
            httpx.Response(200, json=page(record(9, "a"), record(8, "b"), next_page=2)),
            httpx.Response(200, json=page(record(7, "order_123"), next_page=3)),
        ]
    )
    found = await gw.withdrawals.find(client_order_id="order_123")
    assert found is not None
    assert found.id == 7
    assert [dict(c.request.url.params).get("page") for c in route.calls] == [None, "2"]


async def test_find_returns_none_at_the_end_of_the_history(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(HISTORY).mock(
        side_effect=[
            httpx.Response(200, json=page(record(9, "a"), next_page=2)),
            httpx.Response(200, json=page(record(8, "b"))),
        ]
    )
    assert await gw.withdrawals.find(client_order_id="order_123") is None
    assert route.call_count == 2


async def test_find_stops_at_records_older_than_since(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get(HISTORY).respond(
        json=page(record(9, "a", 5), record(8, "b", -5), record(7, "order_123", -6), next_page=2)
    )
    assert await gw.withdrawals.find(client_order_id="order_123", since=CREATED) is None
    assert route.call_count == 1  # the next page is never asked for


async def test_find_stops_at_the_page_cap(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    route = gateway_mock.get(HISTORY).mock(
        side_effect=[
            httpx.Response(200, json=page(record(n, "other"), next_page=n + 1)) for n in range(1, 4)
        ]
    )
    with caplog.at_level(logging.INFO, logger="bitexgate"):
        assert await gw.withdrawals.find(client_order_id="order_123", max_pages=2) is None
    assert route.call_count == 2
    assert "stopped after 2 pages, the page cap" in caplog.text


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"client_order_id": ""}, "client_order_id"),
        ({"client_order_id": "   "}, "client_order_id"),
        ({"client_order_id": None}, "client_order_id"),
        ({"client_order_id": 123}, "client_order_id"),
        ({"since": datetime(2024, 5, 1, 12, 0)}, "since"),  # no zone
        ({"since": "2024-05-01T12:00:00Z"}, "since"),
        ({"max_pages": 0}, "max_pages"),
        ({"max_pages": 1001}, "max_pages"),
        ({"max_pages": True}, "max_pages"),
        ({"ticker": 5}, "ticker"),
        ({"address": b"TR4d"}, "address"),
        ({"timeout": -1}, "timeout"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    gw: BitexGateClient, gateway_mock: respx.MockRouter, arguments: dict[str, Any], field: str
) -> None:
    route = gateway_mock.get(HISTORY).respond(json=page())
    with pytest.raises(ValidationError) as caught:
        await gw.withdrawals.find(**{"client_order_id": "order_123", **arguments})
    assert caught.value.field == field
    assert not route.called
