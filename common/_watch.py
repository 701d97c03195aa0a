"""Watching a history: each new record, and each status change, announced once.

A `Watch` polls a history newest first. What it remembers is small: the keys of
the newest records (the first page it read last time) and the last announced
version of every record not yet final. A poll reads the first page; it reads
further only while every record on the page is new, and it asks its feed to
find the records still pending that the pages read did not show. So a poll
with nothing new and nothing pending off the first page is one request.

Starting without a cursor reads the whole history once, in large pages: the
records not yet final are followed from then on (a listing filtered by status
would be cheaper, but one that shifts while it is read skips a record).

Changes are announced in order: the status changes of records already known
(oldest first), then the new records, oldest first by the feed's `position`
(the history's own order). `cursor` is a JSON value that holds exactly what has
been announced; a watch made with it resumes without announcing any of that
again, and announces what appeared or changed since.

A failure a retry can cure (a timeout, a broken connection, 429, 500, 502 to
504, a history that moved while it was read) does not end the watch: it is
logged, and the poll is made again after a growing wait. Any other error
(authentication, bad input, an answer that does not decode) ends it by being
raised from the iteration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs

from ._errors import PaginationError, RateLimitError, SDKError, ValidationError
from ._pagination import AsyncPaginator, Page
from ._retry import RetryPolicy
from ._scan import read_pages

__all__ = ["Change", "Feed", "Watch"]

T = TypeVar("T")

#: The format of the value `Watch.cursor` gives; a cursor of another version is refused.
CURSOR_VERSION = 1

#: The page size of the one full read of the history when a watch starts without a cursor.
START_PAGE_SIZE = 500

#: Failed polls after which the wait stops growing (it is capped by max_backoff long before).
_MAX_BACKOFF_STEP = 30

_LOG = logging.getLogger("common.watch")


@attrs.frozen
class Change(Generic[T]):
    """A record as the API has it now (`item`), and as last announced (`previous`).

    `previous` is None when the record is announced for the first time.
    """

    item: T
    previous: T | None = None

    @property
    def is_new(self) -> bool:
        """Whether this is the record's first announcement."""
        return self.previous is None


class Feed(Protocol[T]):
    """What a watch needs from one history: how to read it and how to tell records apart."""

    #: Names the history (and filters) in a cursor, so a cursor is not used on another one.
    name: str
    filters: Mapping[str, str]
    #: The records a poll's first page holds.
    page_size: int

    def key(self, item: T) -> str:
        """What identifies the record in the history."""

    def state(self, item: T) -> str:
        """What a change is a change of (the status)."""

    def is_final(self, item: T) -> bool:
        """Whether the record can no longer change."""

    def position(self, item: T) -> Any:
        """Where the record stands in the history's order (a sortable value, larger is newer)."""

    def newest(self, page_size: int | None = None) -> AsyncPaginator[T]:
        """The history, newest first, `page_size` records a page (the feed's own by default)."""

    async def follow(self, pending: Sequence[T], more: AsyncIterator[Page[T]]) -> dict[str, T]:
        """The current version of `pending` records, by key; `more` goes on from the pages read."""

    def dump(self, item: T) -> dict[str, Any]:
        """The record as JSON data, for the cursor."""

    def load(self, data: Any) -> T:
        """A record from what `dump` gave."""


class Watch(Generic[T]):
    """An async iterator of `Change`s in a history, resumable from its `cursor`.

        watch = gw.wallets.watch(interval=5.0)
        async for change in watch:
            handle(change)
            save(watch.cursor)

    Made by a resource's `watch()`. `interval` is the time between polls;
    `include_existing` announces every record already there once, first;
    `cursor` resumes a watch from where a saved one was.
    """

    def __init__(
        self,
        feed: Feed[T],
        *,
        interval: float,
        include_existing: bool = False,
        cursor: Any = None,
        max_backoff: float = 300.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)):
            raise ValidationError("interval", f"must be a number of seconds, got {interval!r}")
        if not 0 < interval <= 86400:
            raise ValidationError(
                "interval", f"must be over 0 and at most 86400 s, got {interval!r}"
            )
        self._feed = feed
        self._interval = float(interval)
        self._include_existing = include_existing
        # Waits after failures: from the interval, doubling, up to max_backoff; a
        # Retry-After is honoured up to a day.
        self._backoff = RetryPolicy(
            max_retries=100,
            initial_delay=self._interval,
            max_delay=max(self._interval, max_backoff),
            max_retry_after=86400.0,
        )
        self._sleep = sleep
        self._known: dict[str, None] = {}
        self._pending: dict[str, T] = {}
        self._started = False
        self._queue: deque[Change[T]] = deque()
        self._window: list[str] | None = None
        # The keys of new records announced in the batch under way (the latest page's worth).
        self._batch: deque[str] = deque()
        self._polled = False
        self._failures = 0
        self._last_error: SDKError | None = None
        if cursor is not None:
            self._restore(cursor)

    def __repr__(self) -> str:
        return (
            f"<Watch {self._feed.name} interval={self._interval} "
            f"pending={len(self._pending)} known={len(self._known)}>"
        )

    @property
    def cursor(self) -> dict[str, Any] | None:
        """Where the watch stands, as JSON data: pass it as `cursor=` to resume.

        It includes every change returned so far, and nothing after. None until the
        first poll (when no cursor was given).
        """
        if not self._started:
            return None
        return {
            "version": CURSOR_VERSION,
            "feed": self._feed.name,
            "filters": dict(self._feed.filters),
            "known": list(self._known),
            "pending": [self._feed.dump(item) for item in self._pending.values()],
        }

    @property
    def pending(self) -> list[T]:
        """The records followed because they are not final, as last announced."""
        return list(self._pending.values())

    def __aiter__(self) -> Watch[T]:
        return self

    async def __anext__(self) -> Change[T]:
        while not self._queue:
            if self._polled:
                await self._sleep(self._next_wait())
            self._polled = True
            try:
                changes, window = await self._poll()
            except SDKError as exc:
                retryable = isinstance(exc, PaginationError) or self._backoff.should_retry(
                    exc, attempt=0, idempotent=True
                )
                if not retryable:
                    raise
                self._failures += 1
                self._last_error = exc
                _LOG.warning(
                    "watching %s: poll failed (%s), trying again in a while",
                    self._feed.name,
                    type(exc).__name__,
                )
                continue
            self._failures = 0
            self._queue.extend(changes)
            self._window = window
            if not changes:
                self._trim()
        change = self._queue.popleft()
        self._apply(change)
        if not self._queue:
            self._trim()
        return change

    async def poll(self) -> list[Change[T]]:
        """Poll once, now: every change since the last, all counted as announced.

        For a worker that schedules its own polls (a cron job, a task queue):
        save `cursor` after handling them. Any error is raised as it is.
        """
        changes = list(self._queue)
        self._queue.clear()
        if not changes:
            self._polled = True
            changes, self._window = await self._poll()
        for change in changes:
            self._apply(change)
        self._trim()
        return changes

    # -- polling -------------------------------------------------------------

    def _next_wait(self) -> float:
        if self._failures == 0:
            return self._interval
        error = self._last_error
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        step = min(self._failures - 1, _MAX_BACKOFF_STEP)
        return self._backoff.delay(step, retry_after=retry_after)

    async def _poll(self) -> tuple[list[Change[T]], list[str]]:
        if not self._started:
            return await self._start()
        feed = self._feed
        shown: dict[str, T] = {}
        new: list[T] = []
        async with contextlib.aclosing(read_pages(feed.newest())) as pages:
            async for page in pages:
                reached_known = False
                for item in page.items:
                    item_key = feed.key(item)
                    if item_key in shown:
                        continue  # pushed onto this page by records that arrived meanwhile
                    shown[item_key] = item
                    if item_key in self._known or item_key in self._pending:
                        reached_known = True
                    else:
                        new.append(item)
                if reached_known:
                    break
            unseen = [item for k, item in self._pending.items() if k not in shown]
            current = {k: shown[k] for k in self._pending if k in shown}
            if unseen:
                current.update(await feed.follow(unseen, pages))
        changes: list[Change[T]] = []
        for item_key, previous in list(self._pending.items()):
            now = current.get(item_key)
            if now is None:
                # Nothing to announce: it is no longer where the history shows its records.
                _LOG.warning(
                    "watching %s: record %s is no longer in the history; not following it",
                    feed.name,
                    item_key,
                )
                del self._pending[item_key]
            elif feed.state(now) != feed.state(previous):
                changes.append(Change(now, previous))
        changes.extend(Change(item) for item in self._oldest_first(new))
        return changes, list(shown)

    async def _start(self) -> tuple[list[Change[T]], list[str]]:
        """Read the whole history once: what is there is known, what is not final followed."""
        feed = self._feed
        records: dict[str, T] = {}
        async with contextlib.aclosing(
            read_pages(feed.newest(max(feed.page_size, START_PAGE_SIZE)))
        ) as pages:
            async for page in pages:
                for item in page.items:
                    records.setdefault(feed.key(item), item)
        oldest_first = self._oldest_first(list(records.values()))
        window = [feed.key(item) for item in oldest_first[::-1][: feed.page_size]]
        self._started = True
        if self._include_existing:
            return [Change(item) for item in oldest_first], window
        # Only now, with every request made: a failure above leaves the watch unstarted.
        self._pending = {feed.key(item): item for item in oldest_first if not feed.is_final(item)}
        self._known = dict.fromkeys(window)
        return [], window

    def _oldest_first(self, newest_first: list[T]) -> list[T]:
        """Records read newest first, oldest first by position (reading order among equals)."""
        records = newest_first[::-1]
        records.sort(key=self._feed.position)  # stable: equal positions keep reading order
        return records

    # -- state ---------------------------------------------------------------

    def _apply(self, change: Change[T]) -> None:
        feed = self._feed
        item_key = feed.key(change.item)
        if change.previous is None and item_key not in self._known:
            self._known[item_key] = None
            # A watch resumed mid-batch stops at the newest record announced and reads
            # that page: the latest page's worth of announced keys is all it needs.
            self._batch.append(item_key)
            if len(self._batch) > feed.page_size:
                self._known.pop(self._batch.popleft(), None)
        if feed.is_final(change.item):
            self._pending.pop(item_key, None)
        else:
            self._pending[item_key] = change.item

    def _trim(self) -> None:
        """Forget the keys of final records below the newest page read (all is announced)."""
        if self._window is not None:
            self._known = dict.fromkeys(self._window)
            self._window = None
        self._batch.clear()

    def _restore(self, cursor: Any) -> None:
        feed = self._feed
        if not isinstance(cursor, Mapping) or cursor.get("version") != CURSOR_VERSION:
            raise ValidationError(
                "cursor", f"must be a value of a watch's `cursor` (version {CURSOR_VERSION})"
            )
        if cursor.get("feed") != feed.name or cursor.get("filters") != dict(feed.filters):
            raise ValidationError(
                "cursor",
                f"was made by a watch of {cursor.get('feed')!r} with filters "
                f"{cursor.get('filters')!r}, not of {feed.name!r} with {dict(feed.filters)!r}",
            )
        known, pending = cursor.get("known"), cursor.get("pending")
        if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
            raise ValidationError("cursor", "its 'known' must be a list of record keys")
        if not isinstance(pending, list):
            raise ValidationError("cursor", "its 'pending' must be a list of records")
        restored: dict[str, T] = {}
        for data in pending:
            item = feed.load(data)
            restored[feed.key(item)] = item
        self._known = dict.fromkeys(known)
        self._pending = restored
        self._started = True
