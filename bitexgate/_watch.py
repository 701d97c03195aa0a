"""The three Gateway histories as watch feeds: what identifies a record, and how to follow it.

Every history is read newest first (`ordering=-id`). A record still pending
off the first page is found as cheaply as the filters allow:

- deposits and invoice payments: the listing of those still PENDING (a page
  per `page_size` of them), then a lookup by `txid` of each not in it (it has
  changed, so the request pays for an announcement);
- withdrawals, which the history cannot filter by id: reading on, newest first,
  for up to `FOLLOW_PAGES` pages; one still not met is looked up among the
  withdrawals to its address (by its txid once it has one).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import cattrs

from common import AsyncPaginator, NotFoundError, Page, ValidationError, to_dict
from common._scan import read_pages, scan_back

from ._enums import DepositStatus, WithdrawStatus
from ._gateway import Gateway
from ._models import Deposit, InvoiceDeposit, Withdrawal, converter
from ._requests import history_query

__all__ = ["DepositFeed", "WithdrawalFeed"]

T = TypeVar("T", Deposit, InvoiceDeposit, Withdrawal)
D = TypeVar("D", Deposit, InvoiceDeposit)

#: Newest first: the ordering every watch reads a history in.
NEWEST_FIRST = "-id"

#: Pages read on, past the newest ones, for the withdrawals followed, before looking them up.
FOLLOW_PAGES = 2


class _HistoryFeed(Generic[T]):
    """One history endpoint, filtered, paged newest first by `page_size`."""

    def __init__(
        self,
        gateway: Gateway,
        path: str,
        item: type[T],
        *,
        name: str,
        page_size: int,
        filters: Mapping[str, Any],
    ) -> None:
        self._status_enum = WithdrawStatus if item is Withdrawal else DepositStatus
        # Checked now, before any request; the page size goes with every listing.
        query = history_query(status_enum=self._status_enum, page_size=page_size, **filters)
        self.page_size = int(query.pop("limit"))
        self._gateway = gateway
        self._path = path
        self._item: type[T] = item
        self.name = name
        self.filters: Mapping[str, str] = query

    def listing(self, **extra: Any) -> AsyncPaginator[T]:
        """The history with the watch's filters (and `extra`), newest first."""
        return self._gateway.history(
            self._path,
            self._item,
            self._status_enum,
            max_items=None,
            timeout=None,
            ordering=NEWEST_FIRST,
            page_size=extra.pop("page_size", self.page_size),
            **{**self.filters, **extra},
        )

    def newest(self, page_size: int | None = None) -> AsyncPaginator[T]:
        return self.listing(page_size=page_size or self.page_size)

    def state(self, item: T) -> str:
        return str(int(item.status))

    def dump(self, item: T) -> dict[str, Any]:
        return to_dict(item)

    def load(self, data: Any) -> T:
        try:
            record: T = converter.structure(data, self._item)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            raise ValidationError(
                "cursor", f"holds a record that is not a {self._item.__name__} ({exc})"
            ) from None
        return record


class DepositFeed(_HistoryFeed[D]):
    """Deposits to wallets, or payments through invoices: keyed by their transaction."""

    def key(self, item: D) -> str:
        address = item.address if isinstance(item, Deposit) else None
        amount = format(item.amount, "f")  # one transaction may pay several outputs
        if item.txid is not None:
            return json.dumps([item.ticker, item.network, item.txid, address, amount])
        # No transaction id (not seen in practice): what else tells two deposits apart.
        created = item.created_at.isoformat()
        return json.dumps([item.ticker, item.network, None, address, amount, created])

    def is_final(self, item: D) -> bool:
        return item.status.is_final

    def position(self, item: D) -> Any:
        return item.created_at  # the records carry no id; the newest come first by either

    async def follow(self, pending: Sequence[D], more: AsyncIterator[Page[D]]) -> dict[str, D]:
        wanted = {self.key(item): item for item in pending}
        found: dict[str, D] = {}
        try:
            async with contextlib.aclosing(
                read_pages(self.listing(status=DepositStatus.PENDING))
            ) as pages:
                async for page in pages:
                    found.update(
                        (self.key(item), item) for item in page.items if self.key(item) in wanted
                    )
        except NotFoundError:
            pass  # no such listing at all: every one is looked up below
        left = [item for key, item in wanted.items() if key not in found]
        for item in left:
            if item.txid is not None:
                found.update(await self._lookup(item))
        untraceable = [item for item in left if item.txid is None]
        if untraceable:
            oldest = min(item.created_at for item in untraceable)
            found.update(
                await scan_back(
                    more,
                    {self.key(item) for item in untraceable},
                    key=self.key,
                    older_than_all=lambda record: record.created_at < oldest,
                )
            )
        return found

    async def _lookup(self, item: D) -> dict[str, D]:
        """`item` as the history has it now, found by its transaction id (one request)."""
        item_key = self.key(item)
        lookup = {"txid": item.txid, "ticker": item.ticker, "network": item.network}
        if isinstance(item, Deposit) and item.address is not None:
            lookup["address"] = item.address
        async for record in self.listing(**lookup):
            if self.key(record) == item_key:
                return {item_key: record}
        return {}


class WithdrawalFeed(_HistoryFeed[Withdrawal]):
    """Withdrawals, keyed by id."""

    def key(self, item: Withdrawal) -> str:
        return str(item.id)

    def is_final(self, item: Withdrawal) -> bool:
        return item.status.is_final

    def position(self, item: Withdrawal) -> Any:
        return item.id

    async def follow(
        self, pending: Sequence[Withdrawal], more: AsyncIterator[Page[Withdrawal]]
    ) -> dict[str, Withdrawal]:
        oldest = min(item.id for item in pending)
        found = await scan_back(
            more,
            {self.key(item) for item in pending},
            key=self.key,
            older_than_all=lambda record: record.id < oldest,
            max_pages=FOLLOW_PAGES,
        )
        for item in pending:
            if self.key(item) not in found:
                found.update(await self._lookup(item))
        return found

    async def _lookup(self, item: Withdrawal) -> dict[str, Withdrawal]:
        """`item` now, among the withdrawals to its address (or with its txid), newest first."""
        lookup: dict[str, str | None] = {"ticker": item.ticker, "network": item.network}
        if item.txid:
            lookup["txid"] = item.txid
        elif item.address:
            lookup["address"] = item.address
        async with contextlib.aclosing(read_pages(self.listing(**lookup))) as pages:
            async for page in pages:
                for record in page.items:
                    if record.id == item.id:
                        return {self.key(item): record}
                if page.items and page.items[-1].id < item.id:
                    break
        return {}
