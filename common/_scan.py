"""Reading a history newest first, as a watch does: pages that may move under the reader."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection
from typing import TypeVar

from ._errors import NotFoundError, PaginationError
from ._pagination import AsyncPaginator, Page

__all__ = ["read_pages", "scan_back"]

T = TypeVar("T")


async def scan_back(
    more: AsyncIterator[Page[T]],
    wanted: Collection[str],
    *,
    key: Callable[[T], str],
    older_than_all: Callable[[T], bool],
    max_pages: int | None = None,
) -> dict[str, T]:
    """The `wanted` records met reading `more` pages (at most `max_pages`), by key.

    Stops once all are found, or after a page whose last record is older than
    every one of them (`older_than_all`): a record not met by then is gone.
    """
    found: dict[str, T] = {}
    read = 0
    async for page in more:
        read += 1
        for item in page.items:
            item_key = key(item)
            if item_key in wanted:
                found[item_key] = item
        if len(found) == len(wanted) or (page.items and older_than_all(page.items[-1])):
            break
        if max_pages is not None and read >= max_pages:
            break
    return found


async def read_pages(paginator: AsyncPaginator[T]) -> AsyncGenerator[Page[T], None]:
    """The pages of a listing; a listing that moved under the reader is a PaginationError.

    Past the first page, a 404 (DRF's "Invalid page." when a filtered listing
    shrank) and a page that repeats the one before (as many records arrived as a
    page holds) mean the listing changed while it was read: PaginationError,
    which a watch retries at its next poll.
    """
    read = 0
    async with contextlib.aclosing(paginator.pages()) as pages:
        try:
            async for page in pages:
                read += 1
                yield page
        except (NotFoundError, PaginationError) as exc:
            if read == 0:
                raise
            raise PaginationError(
                f"the history changed while it was read ({exc.message}); it is read again"
            ) from exc
