"""Bity's list pages (`meta {limit, offset, next, previous, total_count} / objects`).

A list is walked with `common.AsyncPaginator`; `BityPaginator` only narrows its
types so a page is known to be a `BityPage`, which also carries the whole `meta`
(with keys the reference does not list, such as the rate list's `disabled`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Any, TypeVar, cast

import attrs

from common import AsyncPaginator, Page

from ._models import ListMeta

__all__ = ["BityPage", "BityPaginator"]

T = TypeVar("T")


@attrs.frozen
class BityPage(Page[T]):
    """One page of a Bity list: `items`, the next page's query, `total_count`, and `meta`."""

    meta: ListMeta = attrs.field(factory=ListMeta)


class BityPaginator(AsyncPaginator[T]):
    """`common.AsyncPaginator` whose pages are `BityPage`s.

    `async for item in paginator`, `async for page in paginator.pages()`, and
    `await paginator` for the first page.
    """

    def __init__(
        self,
        fetch_page: Callable[[Mapping[str, str]], Awaitable[BityPage[T]]],
        query: Mapping[str, str],
        *,
        max_items: int | None = None,
    ) -> None:
        super().__init__(fetch_page, query, max_items=max_items)

    def __await__(self) -> Generator[Any, None, BityPage[T]]:
        first = yield from super().__await__()
        return cast(BityPage[T], first)

    def pages(self) -> AsyncGenerator[BityPage[T], None]:
        """Every page, in order, each fetched when the previous one is done with."""
        return cast(AsyncGenerator[BityPage[T], None], super().pages())
