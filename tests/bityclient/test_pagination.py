"""Bity lists: `meta {limit, offset, next, previous, total_count} / objects`."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from bityclient import AsyncPaginator, BityClient, BityPage, DecodeError, PaginationError

from .conftest import bity_fixture

ORDERS = "/api/v1/order/"


def orders_page(
    objects: list[dict[str, Any]], *, next_link: str | None, offset: int, total: int
) -> dict[str, Any]:
    return {
        "meta": {
            "limit": 2,
            "next": next_link,
            "offset": offset,
            "previous": None,
            "total_count": total,
        },
        "objects": objects,
    }


def sample_orders(count: int) -> list[dict[str, Any]]:
    template = bity_fixture("orders_list.json")["objects"][0]
    return [{**template, "resource_uri": f"/api/v1/order/{n}/"} for n in range(1, count + 1)]


async def test_walks_every_page_with_limit_offset_and_order_by(
    router: respx.MockRouter, bity: BityClient
) -> None:
    objects = sample_orders(5)
    route = router.get(ORDERS).mock(
        side_effect=[
            # Tastypie-style relative `next` links carrying limit, offset and order_by.
            respx.MockResponse(
                200,
                json=orders_page(
                    objects[:2],
                    next_link="/api/v1/order/?limit=2&offset=2&order_by=%2Bid",
                    offset=0,
                    total=5,
                ),
            ),
            respx.MockResponse(
                200,
                json=orders_page(
                    objects[2:4],
                    next_link="/api/v1/order/?order_by=+id&limit=2&offset=4",
                    offset=2,
                    total=5,
                ),
            ),
            respx.MockResponse(
                200, json=orders_page(objects[4:], next_link=None, offset=4, total=5)
            ),
        ]
    )
    paginator = bity.orders.list(page_size=2, order_by="+id")
    assert isinstance(paginator, AsyncPaginator)
    ids = [order.id async for order in paginator]
    assert ids == ["1", "2", "3", "4", "5"]
    raw = [call.request.url.raw_path for call in route.calls]
    # Ascending reaches tastypie as the bare field name (it refuses `+id`), on the first
    # page and on pages from `next` links, whatever the link wrote.
    assert raw == [
        b"/api/v1/order/?limit=2&order_by=id",
        b"/api/v1/order/?limit=2&order_by=id&offset=2",
        b"/api/v1/order/?limit=2&order_by=id&offset=4",
    ]
    assert all(call.request.headers["Authorization"] == "Bearer access-1" for call in route.calls)


@pytest.mark.parametrize(
    ("given", "sent"),
    [("+pair", b"order_by=pair"), ("pair", b"order_by=pair"), ("-pair", b"order_by=-pair")],
)
async def test_order_by_is_sent_as_tastypie_takes_it(
    router: respx.MockRouter, bity: BityClient, given: str, sent: bytes
) -> None:
    route = router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    await bity.rates.list(order_by=given)
    assert route.calls.last.request.url.raw_path == b"/api/v1/rate2/?" + sent


async def test_descending_order_and_explicit_offset(
    router: respx.MockRouter, bity: BityClient
) -> None:
    route = router.get(ORDERS).respond(200, json=bity_fixture("orders_list.json"))
    page = await bity.orders.list(order_by="-id", offset=10, page_size=5)
    assert len(page.items) == 2
    assert route.calls.last.request.url.raw_path == b"/api/v1/order/?limit=5&offset=10&order_by=-id"


async def test_next_page_always_comes_from_the_configured_host(
    router: respx.MockRouter, bity: BityClient
) -> None:
    objects = sample_orders(3)
    route = router.get(ORDERS).mock(
        side_effect=[
            respx.MockResponse(
                200,
                json=orders_page(
                    objects[:2],
                    next_link="https://elsewhere.example/api/v1/order/?limit=2&offset=2",
                    offset=0,
                    total=3,
                ),
            ),
            respx.MockResponse(
                200, json=orders_page(objects[2:], next_link=None, offset=2, total=3)
            ),
        ]
    )
    assert len(await bity.orders.list().to_list()) == 3
    second = route.calls[1].request
    assert second.url.host == "bity.com"
    assert second.url.raw_path == b"/api/v1/order/?limit=2&offset=2"


async def test_pages_carry_meta_with_extra_keys(router: respx.MockRouter, bity: BityClient) -> None:
    router.get("/api/v1/rate2/").respond(200, json=bity_fixture("rates_list.json"))
    pages = [page async for page in bity.rates.list().pages()]
    assert len(pages) == 1
    (page,) = pages
    assert isinstance(page, BityPage)
    assert page.meta.extra["disabled"] == "USDUSD"
    assert (page.meta.limit, page.meta.offset, page.meta.previous) == (20, 0, None)
    assert len(page.items) == 2


async def test_empty_list(router: respx.MockRouter, bity: BityClient) -> None:
    route = router.get(ORDERS).respond(200, json=orders_page([], next_link=None, offset=0, total=0))
    assert await bity.orders.list().to_list() == []
    page = await bity.orders.list()
    assert (page.items, page.total_count, page.has_next) == ([], 0, False)
    assert route.call_count == 2


async def test_max_items_stops_without_fetching_more(
    router: respx.MockRouter, bity: BityClient
) -> None:
    route = router.get(ORDERS).respond(
        200,
        json=orders_page(
            sample_orders(2), next_link="/api/v1/order/?limit=2&offset=2", offset=0, total=9
        ),
    )
    assert len(await bity.orders.list(max_items=1).to_list()) == 1
    assert route.call_count == 1


async def test_reference_list_example_does_not_advance(
    router: respx.MockRouter, bity: BityClient
) -> None:
    # Inconsistency in the reference: its list example asks for offset=1 and answers
    # with meta.offset 1 and a `next` of ...?limit=10&offset=1, the very page it is
    # (and the meta table calls offset "current page" while the parameter is an
    # offset). A next link that does not advance raises instead of looping.
    sample = bity_fixture("list_example.json")
    sample["objects"] = sample_orders(1)
    route = router.get(ORDERS).respond(200, json=sample)
    with pytest.raises(PaginationError):
        await bity.orders.list(page_size=10, offset=1).to_list()
    assert route.call_count == 1  # caught before asking for the same page again


@pytest.mark.parametrize("tail", ["", "x" * 100_000])
async def test_a_next_link_that_is_not_a_url_is_a_short_decode_error(
    router: respx.MockRouter, bity: BityClient, tail: str
) -> None:
    page = orders_page(sample_orders(1), next_link="http://[::1" + tail, offset=0, total=2)
    router.get(ORDERS).respond(200, json=page)
    with pytest.raises(DecodeError) as info:
        await bity.orders.list()
    assert "meta.next is not a URL" in str(info.value)
    assert len(str(info.value)) < 1_000
