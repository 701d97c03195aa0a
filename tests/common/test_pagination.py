"""AsyncPaginator over a fake fetch function, and the `next` link parser."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from common import AsyncPaginator, Page, PaginationError, query_of_link


class FakeList:
    """Serves pages by their `page` query value and records every query asked for."""

    def __init__(self, pages: dict[str, Page[int]]) -> None:
        self.pages = pages
        self.queries: list[dict[str, str]] = []

    @property
    def fetches(self) -> int:
        return len(self.queries)

    async def fetch(self, query: Mapping[str, str]) -> Page[int]:
        self.queries.append(dict(query))
        return self.pages[query.get("page", "1")]


def three_pages() -> FakeList:
    return FakeList(
        {
            "1": Page([1, 2], next_query={"page": "2"}, total_count=5),
            "2": Page([3, 4], next_query={"page": "3"}, total_count=5),
            "3": Page([5], next_query=None, total_count=5),
        }
    )


FILTERS = {"ordering": "-id", "ticker": "USDT"}


async def test_iterates_every_item_in_order() -> None:
    server = three_pages()
    items = [item async for item in AsyncPaginator(server.fetch, FILTERS)]
    assert items == [1, 2, 3, 4, 5]
    assert server.fetches == 3


async def test_filters_of_the_first_query_are_kept_on_later_pages() -> None:
    server = three_pages()
    await AsyncPaginator(server.fetch, FILTERS).to_list()
    assert server.queries == [
        FILTERS,
        {**FILTERS, "page": "2"},
        {**FILTERS, "page": "3"},
    ]


async def test_the_callers_query_is_not_mutated() -> None:
    server = three_pages()
    query = dict(FILTERS)
    await AsyncPaginator(server.fetch, query).to_list()
    assert query == FILTERS


async def test_fetches_lazily() -> None:
    server = three_pages()
    paginator = AsyncPaginator(server.fetch, FILTERS)
    assert server.fetches == 0  # building it fetches nothing
    seen = []
    async for item in paginator:
        seen.append(item)
        if item == 2:
            break
    assert seen == [1, 2]
    assert server.fetches == 1


async def test_breaking_on_the_second_page_fetches_two() -> None:
    server = three_pages()
    async for item in AsyncPaginator(server.fetch, FILTERS):
        if item == 3:
            break
    assert server.fetches == 2


async def test_max_items_stops_before_fetching_the_next_page() -> None:
    server = three_pages()
    items = await AsyncPaginator(server.fetch, FILTERS, max_items=2).to_list()
    assert items == [1, 2]
    assert server.fetches == 1


async def test_max_items_within_a_later_page() -> None:
    server = three_pages()
    items = await AsyncPaginator(server.fetch, FILTERS, max_items=3).to_list()
    assert items == [1, 2, 3]
    assert server.fetches == 2


async def test_max_items_beyond_the_list() -> None:
    server = three_pages()
    items = await AsyncPaginator(server.fetch, FILTERS, max_items=100).to_list()
    assert items == [1, 2, 3, 4, 5]
    assert server.fetches == 3


async def test_max_items_zero_fetches_nothing() -> None:
    server = three_pages()
    items = await AsyncPaginator(server.fetch, FILTERS, max_items=0).to_list()
    assert items == []
    assert server.fetches == 0


def test_negative_max_items_is_refused() -> None:
    with pytest.raises(ValueError):
        AsyncPaginator(three_pages().fetch, {}, max_items=-1)


async def test_awaiting_gives_the_first_page_only() -> None:
    server = three_pages()
    page = await AsyncPaginator(server.fetch, FILTERS)
    assert isinstance(page, Page)
    assert page.items == [1, 2]
    assert page.has_next
    assert page.total_count == 5
    assert server.queries == [FILTERS]


async def test_pages_yields_every_page() -> None:
    server = three_pages()
    pages = [page async for page in AsyncPaginator(server.fetch, FILTERS).pages()]
    assert [page.items for page in pages] == [[1, 2], [3, 4], [5]]
    assert [page.total_count for page in pages] == [5, 5, 5]
    assert [page.has_next for page in pages] == [True, True, False]


async def test_a_paginator_can_be_walked_twice() -> None:
    server = three_pages()
    paginator = AsyncPaginator(server.fetch, FILTERS)
    assert await paginator.to_list() == await paginator.to_list()
    assert server.fetches == 6


async def collect(paginator: AsyncPaginator[int], into: list[int]) -> None:
    async for item in paginator:
        into.append(item)


async def test_a_next_link_back_to_a_page_already_read_raises() -> None:
    server = FakeList(
        {
            "1": Page([1], next_query={"page": "2"}),
            "2": Page([2], next_query={"page": "3"}),
            "3": Page([3], next_query={"page": "1"}),
        }
    )
    seen: list[int] = []
    with pytest.raises(PaginationError):
        await collect(AsyncPaginator(server.fetch, {"page": "1"}), seen)
    assert seen == [1, 2, 3]
    assert server.fetches == 3


async def test_a_next_link_to_the_same_page_raises() -> None:
    server = FakeList({"1": Page([1], next_query={"page": "1"})})
    seen: list[int] = []
    with pytest.raises(PaginationError):
        await collect(AsyncPaginator(server.fetch, {"page": "1"}), seen)
    assert seen == [1]
    assert server.fetches == 1


async def test_an_implicit_first_page_is_read_at_most_once_more() -> None:
    # `{}` and `{"page": "1"}` are different queries to the paginator (it cannot know
    # an API's default page), but the second answer repeats the first page's items:
    # caught there, before its items are yielded again.
    server = FakeList({"1": Page([1], next_query={"page": "1"})})
    seen: list[int] = []
    with pytest.raises(PaginationError, match="same items"):
        await collect(AsyncPaginator(server.fetch, {}), seen)
    assert seen == [1]
    assert server.fetches == 2


async def test_an_empty_page_with_a_next_link_stops() -> None:
    server = FakeList(
        {
            "1": Page([], next_query={"page": "2"}, total_count=3),
            "2": Page([1, 2, 3]),
        }
    )
    assert await AsyncPaginator(server.fetch, {}).to_list() == []
    assert server.fetches == 1


async def test_an_empty_list() -> None:
    server = FakeList({"1": Page([], total_count=0)})
    assert await AsyncPaginator(server.fetch, {}).to_list() == []
    assert server.fetches == 1


def test_repr() -> None:
    paginator = AsyncPaginator(three_pages().fetch, {"ordering": "-id"}, max_items=3)
    assert "ordering" in repr(paginator)
    assert "max_items=3" in repr(paginator)


# --- query_of_link ----------------------------------------------------------------------


def test_query_of_link_with_leading_space() -> None:
    link = " https://www.bitexbit.com/api/gateway/wallets?page=2"
    assert query_of_link(link) == {"page": "2"}


@pytest.mark.parametrize("link", [None, "", "  ", "\n"])
def test_query_of_link_without_a_link(link: str | None) -> None:
    assert query_of_link(link) is None


def test_query_of_link_from_a_foreign_host_keeps_only_the_query() -> None:
    link = "http://evil.example.net:8080/steal?page=3&limit=10"
    assert query_of_link(link) == {"page": "3", "limit": "10"}


def test_query_of_link_decodes_as_forms_are_encoded() -> None:
    # Servers build next links with urlencode: a space is "+", a plus sign "%2B".
    assert query_of_link("/api/v1/order/?memo=hello+world&order_by=%2Bid") == {
        "memo": "hello world",
        "order_by": "+id",
    }


def test_query_of_link_keeps_only_the_named_keys() -> None:
    link = "https://evil.example/x?page=2&ordering=id&ticker=BTC&limit=1000"
    assert query_of_link(link, keys=("page",)) == {"page": "2"}
    assert query_of_link(
        "/api/v1/rate2/?limit=5&offset=10&order_by=+x", keys=("limit", "offset")
    ) == {
        "limit": "5",
        "offset": "10",
    }


def test_query_of_link_refuses_what_is_not_a_url() -> None:
    with pytest.raises(ValueError):
        query_of_link("https://[bad/api?page=2")


def test_query_of_link_decodes_percent_escapes() -> None:
    assert query_of_link("https://bity.com/api/v1/order/?order_by=%2Bid") == {"order_by": "+id"}
    assert query_of_link("https://x.test/?q=a%20b&empty=") == {"q": "a b", "empty": ""}


def test_query_of_link_ignores_the_fragment() -> None:
    assert query_of_link("https://x.test/list?page=2#top") == {"page": "2"}


async def test_query_of_link_feeds_the_paginator() -> None:
    links = {
        "1": " https://www.bitexbit.com/api/gateway/wallets?page=2&ordering=-id",
        "2": None,
    }
    server = FakeList(
        {
            "1": Page([1], next_query=query_of_link(links["1"])),
            "2": Page([2], next_query=query_of_link(links["2"])),
        }
    )
    items = await AsyncPaginator(server.fetch, {"ordering": "-id", "ticker": "ETH"}).to_list()
    assert items == [1, 2]
    assert server.queries[1] == {"ordering": "-id", "ticker": "ETH", "page": "2"}
