"""The three Gateway histories as watch feeds: what identifies a record, and how to follow it.

Every history is read newest first (`ordering=-id`). A record still pending
off the first page is found as cheaply as the filters allow:

- deposits and invoice payments: one listing of those still PENDING, then a
  lookup by `txid` of each that has left it (it changed, so the request pays
  for an announcement);
- withdrawals, which the history cannot filter by id: reading on, newest first,
  down to the oldest withdrawal followed.

At the start, the records already there that are not final are found the same
way: deposits by one `status=1` listing, withdrawals by one listing per status
that is not final.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import cattrs

from common import AsyncPaginator, Page, ValidationError, to_dict
from common._watch import scan_back

from ._enums import DepositStatus, WithdrawStatus
from ._gateway import Gateway
from ._models import Deposit, InvoiceDeposit, Withdrawal, converter
from ._requests import history_query

__all__ = ["DepositFeed", "WithdrawalFeed"]

T = TypeVar("T", Deposit, InvoiceDeposit, Withdrawal)
D = TypeVar("D", Deposit, InvoiceDeposit)

#: Newest first: the ordering every watch reads a history in.
NEWEST_FIRST = "-id"

#: The statuses a withdrawal can still move on from, as the reference lists them.
OPEN_WITHDRAW_STATUSES = tuple(status for status in WithdrawStatus if not status.is_final)


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
        self._page_size = int(query.pop("limit"))
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
            page_size=self._page_size,
            **{**self.filters, **extra},
        )

    def newest(self) -> AsyncPaginator[T]:
        return self.listing()

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
        if item.txid is not None:
            return json.dumps([item.ticker, item.network, item.txid, address])
        # No transaction id (not seen in practice): what else tells two deposits apart.
        created = item.created_at.isoformat()
        return json.dumps([item.ticker, item.network, None, address, created, str(item.amount)])

    def is_final(self, item: D) -> bool:
        return item.status.is_final

    async def existing_pending(self) -> list[D]:
        pending = [item async for item in self.listing(status=DepositStatus.PENDING)]
        return pending[::-1]

    async def follow(self, pending: Sequence[D], more: AsyncIterator[Page[D]]) -> dict[str, D]:
        wanted = {self.key(item): item for item in pending}
        found: dict[str, D] = {}
        async for item in self.listing(status=DepositStatus.PENDING):
            if self.key(item) in wanted:
                found[self.key(item)] = item
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

    async def existing_pending(self) -> list[Withdrawal]:
        found: dict[int, Withdrawal] = {}
        for status in OPEN_WITHDRAW_STATUSES:
            async for item in self.listing(status=status):
                found[item.id] = item
        return [found[key] for key in sorted(found)]

    async def follow(
        self, pending: Sequence[Withdrawal], more: AsyncIterator[Page[Withdrawal]]
    ) -> dict[str, Withdrawal]:
        oldest = min(item.id for item in pending)
        return await scan_back(
            more,
            {self.key(item) for item in pending},
            key=self.key,
            older_than_all=lambda record: record.id < oldest,
        )
