"""`server_timezone`: zone-less timestamps read in the server's zone, returned in UTC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import respx

from bityclient import BityClient, OrderCategory, ValidationError

from .conftest import FakeClock, bity_fixture, make_client, make_token

UTC = timezone.utc
#: tastypie writes in the server's TIME_ZONE; Bity is Swiss.
ZURICH = ZoneInfo("Europe/Zurich")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
async def swiss(router: respx.MockRouter, clock: FakeClock) -> AsyncIterator[BityClient]:
    """A logged-in client of a server that writes Zurich time."""
    client = make_client(router, token=make_token(), clock=clock, server_timezone=ZURICH)
    async with client:
        yield client


async def test_winter_and_summer_timestamps_of_an_order_list(
    router: respx.MockRouter, swiss: BityClient
) -> None:
    router.get("/api/v1/order/").respond(200, json=bity_fixture("orders_list.json"))
    first, second = [order async for order in swiss.orders.list()]
    # "2018-02-10T16:11:45.410543": winter, CET (UTC+1).
    assert first.timestamp_created == at(2018, 2, 10, 15, 11, 45, 410543)
    # "2018-04-01T16:47:54.656158": summer, CEST (UTC+2).
    assert second.timestamp_created == at(2018, 4, 1, 14, 47, 54, 656158)
    assert first.timestamp_created.tzinfo is UTC
    assert second.timestamp_created.tzinfo is UTC


async def test_every_model_with_a_timestamp_reads_it_in_the_server_zone(
    router: respx.MockRouter, swiss: BityClient
) -> None:
    router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    router.post("/api/v1/order/").respond(201, json=bity_fixture("order_created.json"))
    rate = (await swiss.rates.list()).items[0]
    # "2018-06-20T10:28:03.484648" and the two others, Zurich summer time.
    assert rate.timestamp == at(2018, 6, 20, 8, 28, 3, 484648)
    assert rate.rate_we_buy_timestamp == at(2018, 6, 20, 8, 28, 5, 718739)
    assert rate.rate_we_sell_timestamp == at(2018, 6, 20, 8, 28, 4, 657892)
    sell = await swiss.rates.we_sell("ETHBTC")
    assert sell.timestamp == at(2018, 4, 19, 9, 41, 5, 78271)  # "2018-04-19T11:41:05.078271"
    order = await swiss.orders.create(category=OrderCategory.BUY_ETH, amount=Decimal("0.5"))
    assert order.timestamp_created == at(2016, 6, 12, 19, 50, 12, 367764)
    for moment in (rate.timestamp, sell.timestamp, order.timestamp_created):
        assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-10T16:11:45.410543Z", at(2018, 2, 10, 16, 11, 45, 410543)),
        ("2018-02-10T16:11:45.410543+01:00", at(2018, 2, 10, 15, 11, 45, 410543)),
        ("2018-07-10T16:11:45-04:00", at(2018, 7, 10, 20, 11, 45)),
    ],
)
async def test_a_timestamp_with_its_own_zone_keeps_its_instant(
    router: respx.MockRouter, swiss: BityClient, text: str, expected: datetime
) -> None:
    body = {**bity_fixture("rate_we_sell_ETHBTC.json"), "timestamp": text}
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(200, json=body)
    timestamp = (await swiss.rates.we_sell("ETHBTC")).timestamp
    assert timestamp == expected
    assert timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Shapes the quick readers do not take go through the general parser, same zone.
        ("2018-02-10 16:11:45", at(2018, 2, 10, 15, 11, 45)),
        ("2018-07-10T16:11:45.4105431", at(2018, 7, 10, 14, 11, 45, 410543)),
        ("2018-07-10T16:11", at(2018, 7, 10, 14, 11)),
        # Clocks go back at 03:00 on 28 October 2018: 02:30 happens twice; the first is taken.
        ("2018-10-28T02:30:00.000000", at(2018, 10, 28, 0, 30)),
    ],
)
async def test_every_shape_of_zone_less_text_is_read_in_the_server_zone(
    router: respx.MockRouter, swiss: BityClient, text: str, expected: datetime
) -> None:
    body = {**bity_fixture("rate_we_sell_ETHBTC.json"), "timestamp": text}
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(200, json=body)
    assert (await swiss.rates.we_sell("ETHBTC")).timestamp == expected


async def test_the_default_reads_zone_less_timestamps_as_utc(
    router: respx.MockRouter, bity: BityClient
) -> None:
    router.get("/api/v1/order/").respond(200, json=bity_fixture("orders_list.json"))
    first, second = [order async for order in bity.orders.list()]
    assert first.timestamp_created == at(2018, 2, 10, 16, 11, 45, 410543)
    assert second.timestamp_created == at(2018, 4, 1, 16, 47, 54, 656158)


async def test_clients_with_different_zones_decode_side_by_side(
    router: respx.MockRouter, bity: BityClient, swiss: BityClient
) -> None:
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    utc_read = await bity.rates.we_sell("ETHBTC")
    swiss_read = await swiss.rates.we_sell("ETHBTC")
    assert utc_read.timestamp - swiss_read.timestamp == timedelta(hours=2)
    assert (await bity.rates.we_sell("ETHBTC")).timestamp == utc_read.timestamp


def test_one_converter_per_zone_shared_by_the_clients_naming_it() -> None:
    from bityclient._decode import converter, converter_for

    assert converter_for(UTC) is converter
    assert converter_for(ZoneInfo("Europe/Zurich")) is converter_for(ZURICH)
    assert converter_for(timezone(timedelta(hours=1))) is converter_for(
        timezone(timedelta(hours=1))
    )
    assert converter_for(ZURICH) is not converter


class Unhashable(tzinfo):
    """A fixed UTC+1 zone that cannot be hashed (as dateutil's zones cannot)."""

    __hash__ = None  # type: ignore[assignment]

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unhashable)


async def test_a_zone_that_cannot_be_hashed_still_works(router: respx.MockRouter) -> None:
    router.get("/api/v1/rate_we_sell/ETHBTC/").respond(
        200, json=bity_fixture("rate_we_sell_ETHBTC.json")
    )
    async with make_client(router, server_timezone=Unhashable()) as bity:
        sell = await bity.rates.we_sell("ETHBTC")
    assert sell.timestamp == at(2018, 4, 19, 10, 41, 5, 78271)


class NoOffset(tzinfo):
    """A zone that cannot place a time: `utcoffset` answers None."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


class PytzLike(tzinfo):
    """What a pytz zone looks like to the SDK: a tzinfo with `localize`."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(minutes=34, seconds=8)  # Zurich's local mean time

    def localize(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=self)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("Europe/Zurich", "must be a datetime.tzinfo such as zoneinfo.ZoneInfo('Europe/Zurich')"),
        (None, "got NoneType"),
        (3600, "got int"),
        (tzinfo(), "must give a UTC offset"),
        (NoOffset(), "must give a UTC offset"),
        (PytzLike(), "pytz"),
    ],
)
def test_server_timezone_must_be_a_usable_tzinfo(value: Any, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        BityClient(client_id="client", server_timezone=value)
    assert info.value.field == "server_timezone"
    assert rule in info.value.rule
