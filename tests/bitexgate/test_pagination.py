"""Walking the gateway's `count / next / previous / results` pages."""

from __future__ import annotations

import httpx
import pytest
import respx

from bitexgate import BitexGateClient, DecodeError, PaginationError
from tests.conftest import fixture_json

from .conftest import API_KEY, assert_signed


def wallet(n: int) -> dict[str, object]:
    return {
        "address": f"T{n}",
        "slug": f"slug-{n}",
        "ticker": "USDT",
        "network": "tron",
        "callback_url": None,
        "convert_ticker": None,
        "convert_limit": None,
        "convert_percent": None,
        "created_at": "2021-05-20T14:06:35.498294Z",
    }


def page(numbers: range, next_link: str | None, count: int = 7) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "count": count,
            "next": next_link,
            "previous": None,
            "results": [wallet(n) for n in numbers],
        },
    )


async def test_walks_every_page_lazily(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    # The reference writes next links with a leading space and an absolute URL.
    route = gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            page(
                range(3),
                " https://www.bitexbit.com/api/gateway/wallets?limit=3&ordering=-id&page=2",
            ),
            page(
                range(3, 6),
                " https://www.bitexbit.com/api/gateway/wallets?limit=3&ordering=-id&page=3",
            ),
            page(range(6, 7), None),
        ]
    )

    slugs = [w.slug async for w in gw.wallets.list(ordering="-id", page_size=3)]

    assert slugs == [f"slug-{n}" for n in range(7)]
    queries = [dict(call.request.url.params) for call in route.calls]
    assert queries == [
        {"ordering": "-id", "limit": "3"},
        {"ordering": "-id", "limit": "3", "page": "2"},
        {"ordering": "-id", "limit": "3", "page": "3"},
    ]
    for call in route.calls:
        assert_signed(call.request)


async def test_the_documented_sample_next_link(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            httpx.Response(200, json=fixture_json("bitexgate", "wallets.json")),
            page(range(2, 3), None),
        ]
    )
    slugs = [w.slug async for w in gw.wallets.list()]
    # The sample says count 2 yet links a page 2: the link is followed, not the count,
    # so no item a server has is ever skipped on the strength of a stale count.
    assert len(slugs) == 3
    assert route.calls[1].request.url.params["page"] == "2"


async def test_max_items_stops_without_fetching_more(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            page(range(3), "https://www.bitexbit.com/api/gateway/wallets?page=2"),
            page(range(3, 6), "https://www.bitexbit.com/api/gateway/wallets?page=3"),
        ]
    )
    slugs = [w.slug async for w in gw.wallets.list(max_items=3)]
    assert slugs == ["slug-0", "slug-1", "slug-2"]
    assert route.call_count == 1


async def test_breaking_out_early_fetches_no_more(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    route = gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            page(range(3), "https://www.bitexbit.com/api/gateway/wallets?page=2"),
            page(range(3, 6), None),
        ]
    )
    async for w in gw.wallets.list():
        if w.slug == "slug-1":
            break
    assert route.call_count == 1


async def test_pages_and_first_page(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            page(range(2), "https://www.bitexbit.com/api/gateway/wallets?page=2", count=3),
            page(range(2, 3), None, count=3),
            page(range(2), "https://www.bitexbit.com/api/gateway/wallets?page=2", count=3),
        ]
    )
    sizes = [(len(p.items), p.total_count, p.has_next) async for p in gw.wallets.list().pages()]
    assert sizes == [(2, 3, True), (1, 3, False)]

    first = await gw.wallets.list()
    assert [w.slug for w in first.items] == ["slug-0", "slug-1"]
    assert first.next_query == {"page": "2"}


async def test_empty_result(gw: BitexGateClient, gateway_mock: respx.MockRouter) -> None:
    gateway_mock.get("/api/gateway/withdraw/history").respond(
        json={"count": 0, "next": None, "previous": None, "results": []}
    )
    assert [w async for w in gw.withdrawals.history()] == []
    first = await gw.withdrawals.history()
    assert first.items == []
    assert first.total_count == 0


async def test_next_to_a_foreign_host_never_receives_credentials(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    """Only the link's query is used; the next page still comes from the configured host."""
    with respx.mock(assert_all_called=False) as elsewhere:
        foreign = elsewhere.route(host="evil.example").respond(json={})
        gateway_mock.get("/api/gateway/wallets").mock(
            side_effect=[
                page(range(2), "http://evil.example/api/gateway/wallets?page=2"),
                page(range(2, 4), None),
            ]
        )
        route = gateway_mock.routes[0]
        slugs = [w.slug async for w in gw.wallets.list()]

    assert slugs == ["slug-0", "slug-1", "slug-2", "slug-3"]
    assert foreign.call_count == 0
    second = route.calls[1].request
    assert second.url.host == "www.bitexbit.com"
    assert second.url.scheme == "https"
    assert second.headers["X-Key"] == API_KEY


async def test_a_next_that_never_advances_is_an_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    stuck = "https://www.bitexbit.com/api/gateway/wallets?page=2"
    route = gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[page(range(2), stuck), page(range(2, 4), stuck)]
    )
    with pytest.raises(PaginationError, match="already read"):
        async for _ in gw.wallets.list():
            pass
    assert route.call_count == 2  # page 1, page 2, then the repeat is caught before sending


async def test_a_next_back_to_the_first_page_is_an_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.get("/api/gateway/wallets").mock(
        side_effect=[
            page(range(2), "https://www.bitexbit.com/api/gateway/wallets?page=2"),
            page(range(2), "https://www.bitexbit.com/api/gateway/wallets?page=1"),
            page(range(2), "https://www.bitexbit.com/api/gateway/wallets?page=2"),
        ]
    )
    with pytest.raises(PaginationError):
        [w async for w in gw.wallets.list(page=1)]


async def test_a_server_that_ignores_the_page_is_stopped(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    """Each next link advances, but every answer is page 1 again: stop, do not loop."""

    def handle(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        return page(range(2), f"https://www.bitexbit.com/api/gateway/wallets?page={number + 1}")

    route = gateway_mock.get("/api/gateway/wallets").mock(side_effect=handle)
    with pytest.raises(PaginationError, match="same items"):
        [w async for w in gw.wallets.list()]
    assert route.call_count == 2


async def test_only_the_page_is_taken_from_a_next_link(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    """Filters with spaces or plus signs reach every page exactly as the caller gave them."""
    route = gateway_mock.get("/api/gateway/wallet/history").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "count": 2,
                    "next": "https://www.bitexbit.com/api/gateway/wallet/history"
                    "?memo=hello+world&page=2&ticker=EVIL&limit=1000",
                    "previous": None,
                    "results": [],
                },
            ),
        ]
    )
    first = await gw.wallets.history(memo="hello world", ticker="USDT", page_size=1)
    assert first.next_query == {"page": "2"}
    assert route.calls.last.request.url.params["memo"] == "hello world"


async def test_a_next_link_that_is_not_a_url_is_a_decode_error(
    gw: BitexGateClient, gateway_mock: respx.MockRouter
) -> None:
    gateway_mock.get("/api/gateway/wallets").respond(
        json={"count": 1, "next": "https://[bad/api?page=2", "previous": None, "results": []}
    )
    with pytest.raises(DecodeError):
        await gw.wallets.list()
