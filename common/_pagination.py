"""One async paginator for every page kind the APIs use.

A `Page` knows its items and the query that asks for the next page; nothing
else. Each API turns its own list body (`count/next/results` or
`meta/objects`) into a `Page`, and `AsyncPaginator` walks them:

    async for item in paginator:        # every item, fetched page by page
    async for page in paginator.pages():  # every page
    first = await paginator             # the first page only
"""

from __future__ import annotations

import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Generator,
    Mapping,
)
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import attrs

from ._errors import PaginationError
from ._validation import MAX_COUNT, whole_number

__all__ = ["AsyncPaginator", "Page", "query_of_link"]

T = TypeVar("T")

Query = Mapping[str, str]
FetchPage = Callable[[Query], Awaitable["Page[T]"]]


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its items, the query for the next page, the total if known."""

    items: list[T]
    next_query: Query | None = None
    total_count: int | None = None

    @property
    def has_next(self) -> bool:
        """Whether the server says there is another page."""
        return self.next_query is not None


def query_of_link(
    link: str | None, *, keys: Collection[str] | None = None
) -> dict[str, str] | None:
    """The query parameters of a `next` link, or None when there is no next page.

    Only the query is kept: the next page is always requested from the configured
    base URL, whatever host or scheme the link names, so credentials never follow
    a link elsewhere. With `keys`, only those parameters are kept (the ones that
    say where the next page starts, such as `page` or `offset`): the caller's own
    filters and ordering then stay exactly as the caller gave them. Surrounding
    whitespace (the gateway documents `" https://..."`) is ignored. The query is
    decoded as HTML forms encode it (`+` is a space, `%2B` a plus sign), as the
    servers' `urlencode` writes it. A link that is not a URL raises ValueError.
    """
    if link is None:
        return None
    link = link.strip()
    if not link:
        return None
    query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
    if keys is not None:
        query = {key: value for key, value in query.items() if key in keys}
    return query


class AsyncPaginator(Generic[T]):
    """Lazily walks a paginated list: `async for`, `.pages()`, or `await` the first page.

    `max_items` (0 to a billion) stops the walk after that many items, without
    fetching further pages. A server whose `next` link leads back to a page
    already read raises PaginationError instead of looping for ever, and so does a
    server that answers a new page with the very items of the page before (it
    ignores the page asked).
    """

    def __init__(
        self,
        fetch_page: Callable[[Query], Awaitable[Page[T]]],
        query: Query,
        *,
        max_items: int | None = None,
    ) -> None:
        if max_items is not None:
            whole_number("max_items", max_items, minimum=0, maximum=MAX_COUNT)
        self._fetch_page = fetch_page
        self._query = dict(query)
        self._max_items = max_items

    def __repr__(self) -> str:
        return f"<AsyncPaginator query={self._query!r} max_items={self._max_items!r}>"

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch_page(dict(self._query)).__await__()

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Every page, in order, each fetched when the previous one is done with."""
        query = dict(self._query)
        seen = {_key(query)}
        previous: list[T] | None = None
        while True:
            page = await self._fetch_page(query)
            if page.items and page.items == previous:
                raise PaginationError(
                    f"the server answered {query!r} with the same items as the page "
                    "before: it ignores the page it is asked for; stopping instead of looping"
                )
            previous = page.items
            yield page
            if page.next_query is None or not page.items:
                return
            query = {**query, **page.next_query}
            key = _key(query)
            if key in seen:
                raise PaginationError(
                    f"the server's next page ({dict(page.next_query)!r}) was already read; "
                    "stopping instead of looping"
                )
            seen.add(key)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        remaining = self._max_items
        if remaining == 0:
            return
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item
                    if remaining is not None:
                        remaining -= 1
                        if remaining == 0:
                            return

    async def to_list(self) -> list[T]:
        """Every item in one list (bounded by `max_items`): for short lists only."""
        return [item async for item in self]


def _key(query: Query) -> frozenset[tuple[str, str]]:
    return frozenset(query.items())
