"""The watch engine on a history in memory: what it announces, what it remembers, how it waits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import attrs
import pytest

from common import (
    AsyncPaginator,
    AuthenticationError,
    Change,
    Page,
    RateLimitError,
    ServiceUnavailableError,
    ValidationError,
    Watch,
)
from common._scan import scan_back


@attrs.frozen
class Record:
    id: int
    status: str


FINAL = {"done", "failed"}


class History:
    """A history newest first by id, paged; it can fail the next requests on demand."""

    def __init__(self, page_size: int = 3) -> None:
        self.records: dict[int, Record] = {}
        self.page_size = page_size
        self.requests: list[dict[str, str]] = []
        self.failures: list[Exception] = []

    def add(self, *ids: int, status: str = "open") -> None:
        for record_id in ids:
            self.records[record_id] = Record(record_id, status)

    def set(self, record_id: int, status: str) -> None:
        self.records[record_id] = Record(record_id, status)

    async def fetch(self, query: Mapping[str, str]) -> Page[Record]:
        self.requests.append(dict(query))
        if self.failures:
            raise self.failures.pop(0)
        ordered = sorted(self.records.values(), key=lambda r: -r.id)
        if query.get("status"):
            ordered = [r for r in ordered if r.status == query["status"]]
        page = int(query.get("page", "1"))
        size = int(query.get("limit", self.page_size))
        items = ordered[(page - 1) * size : page * size]
        more = page * size < len(ordered)
        return Page(items=items, next_query={"page": str(page + 1)} if more else None)


class Feed:
    name = "test.records"

    def __init__(self, history: History, filters: Mapping[str, str] | None = None) -> None:
        self.history = history
        self.filters: Mapping[str, str] = dict(filters or {})
        self.page_size = history.page_size

    def key(self, item: Record) -> str:
        return str(item.id)

    def state(self, item: Record) -> str:
        return item.status

    def is_final(self, item: Record) -> bool:
        return item.status in FINAL

    def position(self, item: Record) -> int:
        return item.id

    def newest(self, page_size: int | None = None) -> AsyncPaginator[Record]:
        return AsyncPaginator(self.history.fetch, {"limit": str(page_size or self.page_size)})

    async def follow(
        self, pending: Sequence[Record], more: AsyncIterator[Page[Record]]
    ) -> dict[str, Record]:
        oldest = min(r.id for r in pending)
        return await scan_back(
            more, {str(r.id) for r in pending}, key=self.key, older_than_all=lambda r: r.id < oldest
        )

    def dump(self, item: Record) -> dict[str, Any]:
        return attrs.asdict(item)

    def load(self, data: Any) -> Record:
        return Record(**data)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def status_error(cls: type[Any], status: int, **extra: Any) -> Any:
    return cls(f"answered {status}", status_code=status, body=None, text="", **extra)


def announced(changes: list[Change[Record]]) -> list[tuple[int, str | None, str]]:
    return [
        (c.item.id, None if c.previous is None else c.previous.status, c.item.status)
        for c in changes
    ]


async def test_the_cursor_is_none_until_the_first_poll_and_json_after() -> None:
    history = History()
    history.add(1, 2, status="done")
    watch = Watch(Feed(history), interval=1)
    assert watch.cursor is None
    assert await watch.poll() == []
    assert watch.cursor == {
        "version": 1,
        "feed": "test.records",
        "filters": {},
        "known": ["2", "1"],
        "pending": [],
    }


async def test_a_record_committed_late_below_the_newest_is_still_announced() -> None:
    history = History(page_size=10)
    history.add(1, 2, 4, status="done")
    watch = Watch(Feed(history), interval=1)
    await watch.poll()
    history.add(3, status="done")  # an id given out before 4, committed after it
    assert announced(await watch.poll()) == [(3, None, "done")]


async def test_records_pushed_onto_the_next_page_are_not_announced_twice() -> None:
    history = History(page_size=2)
    watch = Watch(Feed(history), interval=1)
    await watch.poll()
    history.add(1, 2, 3, 4, 5, status="done")
    original_fetch = history.fetch

    async def fetch_then_grow(query: Mapping[str, str]) -> Page[Record]:
        page = await original_fetch(query)
        if query.get("page") is None:
            history.add(6, status="done")  # arrives between the first page and the next
        return page

    history.fetch = fetch_then_grow  # type: ignore[method-assign]
    first = await watch.poll()
    history.fetch = original_fetch  # type: ignore[method-assign]
    assert [c.item.id for c in first] == [1, 2, 3, 4, 5]
    assert [c.item.id for c in await watch.poll()] == [6]


async def test_memory_stays_bounded_however_many_records_pass() -> None:
    history = History(page_size=3)
    watch = Watch(Feed(history), interval=1)
    await watch.poll()
    for record_id in range(1, 200):
        history.add(record_id, status="done")
        assert len(await watch.poll()) == 1
        cursor = watch.cursor
        assert cursor is not None
        assert len(cursor["known"]) <= 3
    assert watch.pending == []


async def test_a_pending_record_that_vanished_is_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    history = History(page_size=2)
    history.add(1)
    watch = Watch(Feed(history), interval=1)
    await watch.poll()
    assert [r.id for r in watch.pending] == [1]
    del history.records[1]
    with caplog.at_level(logging.WARNING, logger="common.watch"):
        assert await watch.poll() == []
    assert watch.pending == []
    assert "no longer in the history" in caplog.text


async def test_failures_a_retry_can_cure_back_off_and_honour_retry_after() -> None:
    history = History()
    sleeps = Sleeps()
    watch = Watch(Feed(history), interval=2, max_backoff=5, sleep=sleeps)
    assert await watch.poll() == []
    history.failures = [
        status_error(ServiceUnavailableError, 503),
        status_error(ServiceUnavailableError, 503),
        status_error(ServiceUnavailableError, 503),
        status_error(RateLimitError, 429, retry_after=42.0),
    ]
    history.add(7, status="done")

    change = await anext(aiter(watch))

    assert change.item.id == 7
    assert sleeps.waits[0] == 2  # the interval, before the first failed poll
    backoffs = sleeps.waits[1:4]
    assert 1.5 <= backoffs[0] <= 2  # the interval, less jitter
    assert 3 <= backoffs[1] <= 4
    assert 3.75 <= backoffs[2] <= 5  # capped by max_backoff
    assert sleeps.waits[4] == 42.0  # the server's Retry-After
    assert len(sleeps.waits) == 5


async def test_an_error_a_retry_cannot_cure_ends_the_iteration() -> None:
    history = History()
    watch = Watch(Feed(history), interval=1, sleep=Sleeps())
    history.failures = [status_error(AuthenticationError, 401)]
    with pytest.raises(AuthenticationError):
        await anext(aiter(watch))
    assert watch.cursor is None  # nothing was started, so nothing is lost by starting again


def grow_between_pages(history: History, *ids: int, status: str = "done") -> None:
    """After the history's next first page is read, records `ids` arrive."""
    original = history.fetch

    async def fetch(query: Mapping[str, str]) -> Page[Record]:
        page = await original(query)
        if query.get("page") is None:
            history.add(*ids, status=status)
            history.fetch = original  # type: ignore[method-assign]
        return page

    history.fetch = fetch  # type: ignore[method-assign]


@pytest.fixture
def small_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The start reads the history in pages of 2, so a few records make several pages."""
    monkeypatch.setattr("common._watch.START_PAGE_SIZE", 2)


@pytest.mark.usefixtures("small_start")
async def test_a_failed_start_leaves_the_watch_unstarted() -> None:
    history = History(page_size=2)
    history.add(1, 2, 3)
    watch = Watch(Feed(history), interval=1, sleep=Sleeps())
    original = history.fetch

    async def second_fails(query: Mapping[str, str]) -> Page[Record]:
        if query.get("page") == "2":
            raise status_error(ServiceUnavailableError, 503)
        return await original(query)

    history.fetch = second_fails  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailableError):
        await watch.poll()
    assert watch.cursor is None
    history.fetch = original  # type: ignore[method-assign]
    assert await watch.poll() == []
    assert [r.id for r in watch.pending] == [1, 2, 3]


@pytest.mark.usefixtures("small_start")
async def test_every_open_record_is_followed_from_the_start_whatever_moves_meanwhile() -> None:
    history = History(page_size=2)
    history.add(1, 2, 3, 4, 5)
    original = history.fetch

    async def settle_one_between_pages(query: Mapping[str, str]) -> Page[Record]:
        page = await original(query)
        if query.get("page") is None:
            history.set(5, "done")  # a status listing would now shift under the reader
        return page

    history.fetch = settle_one_between_pages  # type: ignore[method-assign]
    watch = Watch(Feed(history), interval=1)
    assert await watch.poll() == []
    history.fetch = original  # type: ignore[method-assign]
    assert {r.id for r in watch.pending} >= {1, 2, 3, 4}
    history.set(1, "done")
    # 5 was read open, then settled: followed, so its change is announced too.
    assert announced(await watch.poll()) == [(1, "open", "done"), (5, "open", "done")]


@pytest.mark.usefixtures("small_start")
async def test_include_existing_announces_each_record_once_though_some_arrive_meanwhile() -> None:
    history = History(page_size=2)
    history.add(1, 2, 3, 4, 5, status="done")
    grow_between_pages(history, 6)
    watch = Watch(Feed(history), interval=1, include_existing=True)
    assert [c.item.id for c in await watch.poll()] == [1, 2, 3, 4, 5]
    assert [c.item.id for c in await watch.poll()] == [6]


async def test_more_arrivals_than_a_page_between_two_reads_come_out_oldest_first() -> None:
    history = History(page_size=2)
    history.add(1, status="done")
    watch = Watch(Feed(history), interval=1)
    await watch.poll()
    history.add(2, 3, status="done")
    grow_between_pages(history, 4, 5, 6)
    # 4 was met on a later page; 5 and 6, above the first page, come at the next poll.
    assert [c.item.id for c in await watch.poll()] == [2, 3, 4]
    assert [c.item.id for c in await watch.poll()] == [5, 6]


async def test_a_cursor_saved_mid_batch_stays_small_and_resumes_exactly() -> None:
    history = History(page_size=3)
    watch = Watch(Feed(history), interval=0.01, sleep=Sleeps())
    await watch.poll()
    history.add(*range(1, 41), status="done")
    iterator = aiter(watch)
    for expected in range(1, 21):
        assert (await anext(iterator)).item.id == expected
        cursor = watch.cursor
        assert cursor is not None
        assert len(cursor["known"]) <= 3
    resumed = Watch(Feed(history), interval=1, cursor=cursor)
    assert [c.item.id for c in await resumed.poll()] == list(range(21, 41))


async def test_a_page_repeating_the_one_before_is_read_again_at_the_next_poll() -> None:
    history = History(page_size=2)
    history.add(1, status="done")
    watch = Watch(Feed(history), interval=1, sleep=Sleeps())
    await watch.poll()
    history.add(2, 3, status="done")
    grow_between_pages(history, 4, 5)  # exactly a page: page 2 repeats page 1
    assert [c.item.id for c in [await anext(aiter(watch)) for _ in range(4)]] == [2, 3, 4, 5]


async def test_a_long_outage_never_ends_the_watch() -> None:
    history = History()
    sleeps = Sleeps()
    watch = Watch(Feed(history), interval=1, max_backoff=60, sleep=sleeps)
    await watch.poll()
    history.failures = [status_error(ServiceUnavailableError, 503) for _ in range(1100)]
    history.add(1, status="done")
    assert (await anext(aiter(watch))).item.id == 1
    assert max(sleeps.waits) <= 60


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        {"version": 2, "feed": "test.records", "filters": {}, "known": [], "pending": []},
        {"version": 1, "feed": "other", "filters": {}, "known": [], "pending": []},
        {"version": 1, "feed": "test.records", "filters": {"x": "1"}, "known": [], "pending": []},
        {"version": 1, "feed": "test.records", "filters": {}, "known": [1], "pending": []},
        {"version": 1, "feed": "test.records", "filters": {}, "known": [], "pending": {}},
    ],
)
def test_a_cursor_that_is_not_this_watchs_is_refused(cursor: Any) -> None:
    with pytest.raises(ValidationError, match="cursor"):
        Watch(Feed(History()), interval=1, cursor=cursor)


@pytest.mark.parametrize("interval", [0, -1, 86401, True, "5"])
def test_the_interval_is_checked(interval: Any) -> None:
    with pytest.raises(ValidationError, match="interval"):
        Watch(Feed(History()), interval=interval)
