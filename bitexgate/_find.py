"""Finding a withdrawal by its `client_order_id`, which no history filter takes.

`withdraw/history` is read newest first (`ordering=-id`), `FIND_PAGE_SIZE` at a
time, narrowed by the filters the caller knows (ticker, network, address), and
the reading stops as early as it can (`ClientOrderScan` decides, on each record):

- at the newest withdrawal with that `client_order_id` (compared without
  surrounding whitespace, as the server's text fields store it) created at or
  after `since`;
- at the first record created before `since`, once the ids read are seen to
  descend (a server that ignored the ordering could still list a newer one);
- after `max_pages` pages.

`attempt_began` is the `since` of a lookup after a lost answer: when the request
was sent, on the server's clock, less a margin.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import attrs

from common import AsyncPaginator, TimeoutTypes, ValidationError
from common._clock import ServerClock
from common._validation import required_text, shown, whole_number

from ._models import Withdrawal

__all__ = [
    "CLOCK_MARGIN",
    "DEFAULT_FIND_PAGES",
    "FIND_PAGE_SIZE",
    "MAX_FIND_PAGES",
    "UNKNOWN_CLOCK_MARGIN",
    "ClientOrderScan",
    "Search",
    "aware",
    "attempt_began",
    "search_withdrawal",
]

#: The page size asked for while looking.
FIND_PAGE_SIZE = 100
#: The pages read at most by default: the newest 1,000 withdrawals that pass the
#: filters. A lost answer is looked for seconds later, on the first page; the cap
#: bounds a search given no `since` (or a server that ignores the ordering) to ten
#: requests.
DEFAULT_FIND_PAGES = 10
MAX_FIND_PAGES = 1_000
#: Seconds before a request was sent, beyond the clock estimate's own uncertainty,
#: from which its record is looked for: room for a server whose records and `Date`
#: come from clocks a little apart.
CLOCK_MARGIN = 30.0
#: The same margin while the server's clock is unknown (no answer has given a `Date`).
UNKNOWN_CLOCK_MARGIN = 900.0

History = Callable[..., AsyncPaginator[Withdrawal]]


def aware(field: str, value: Any) -> datetime | None:
    """None, or a timezone-aware datetime."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(
            field,
            f"must be a timezone-aware datetime (such as datetime.now(timezone.utc)), "
            f"got {shown(value)}",
        )
    return value


def attempt_began(sent_at: float, clock: ServerClock) -> datetime:
    """Just before a request sent at `sent_at` (local epoch seconds) reached the server.

    On the server's clock: its lowest estimate, less `CLOCK_MARGIN` (or
    `UNKNOWN_CLOCK_MARGIN` before any answer has told the server's time).
    """
    low = clock.bounds[0]
    margin = CLOCK_MARGIN if clock.known else UNKNOWN_CLOCK_MARGIN
    return datetime.fromtimestamp(sent_at + low - margin, timezone.utc)


class ClientOrderScan:
    """Reads withdrawals newest first and says when the search for one is over.

    `read(record)` is True once it is: `found` holds the withdrawal, or
    `passed_since` says records older than `since` have begun.
    """

    def __init__(self, client_order_id: str, since: datetime | None = None) -> None:
        self.wanted = client_order_id.strip()
        self.since = since
        self.found: Withdrawal | None = None
        self.passed_since = False
        self._previous: int | None = None
        self._fell = False
        self._rose = False

    def read(self, record: Withdrawal) -> bool:
        """Take the next record of the list; True when no later record can be the one."""
        if self._previous is not None:
            self._fell = self._fell or record.id < self._previous
            self._rose = self._rose or record.id > self._previous
        self._previous = record.id
        older = self.since is not None and record.created_at < self.since
        if not older and (record.client_order_id or "").strip() == self.wanted:
            self.found = record
            return True
        if older and self._fell and not self._rose:
            self.passed_since = True
            return True
        return False


@attrs.frozen
class Search:
    """How a search ended: the withdrawal (or None), the pages read, and whether it was cut short.

    `capped` is True when it stopped at the page cap with more pages to read.
    """

    found: Withdrawal | None
    pages: int
    capped: bool


async def search_withdrawal(
    history: History,
    *,
    client_order_id: Any,
    since: Any = None,
    max_pages: Any = DEFAULT_FIND_PAGES,
    timeout: TimeoutTypes | None = None,
    **filters: Any,
) -> Search:
    """Look for the withdrawal with `client_order_id` (see the module); input checked first."""
    wanted = required_text("client_order_id", client_order_id)
    since = aware("since", since)
    whole_number("max_pages", max_pages, minimum=1, maximum=MAX_FIND_PAGES)
    # Its query and timeout are checked here, before any request.
    paginator = history(**filters, ordering="-id", page_size=FIND_PAGE_SIZE, timeout=timeout)
    scan = ClientOrderScan(wanted, since)
    pages = 0
    async with contextlib.aclosing(paginator.pages()) as listing:
        async for page in listing:
            pages += 1
            if any(scan.read(record) for record in page.items):
                return Search(scan.found, pages, capped=False)
            if pages >= max_pages:
                return Search(None, pages, capped=page.has_next)
    return Search(None, pages, capped=False)
