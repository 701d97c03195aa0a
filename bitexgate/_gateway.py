"""What the gateway's namespaces share: sending creates, paging lists and histories."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from common import AsyncPaginator, Page, TimeoutTypes, Transport, decode_created
from common._clock import ServerClock
from common._pages import decode_page
from common._reconcile import DEFAULT_RECONCILE_DELAYS
from common._validation import timeout_value

from ._amounts import amount_mismatch, wire_body
from ._enums import DepositStatus, WithdrawStatus
from ._models import converter
from ._pages import DRF_PAGE
from ._requests import history_query

__all__ = ["Gateway"]

T = TypeVar("T")


class Gateway:
    """What every namespace shares: the transport, and what the SDK learnt of methods.

    Also what a lookup after a lost answer needs: this machine's `clock`, the
    estimate of the server's (`server_clock`), the settle schedule
    (`reconcile_delays`) and how to wait it out (`sleep`).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        clock: Callable[[], float] = time.time,
        server_clock: ServerClock | None = None,
        reconcile_delays: tuple[float, ...] = DEFAULT_RECONCILE_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.transport = transport
        #: is_fiat of each (ticker, network) seen in the payment method list.
        self.fiat_methods: dict[tuple[str, str], bool] = {}
        self.clock = clock
        self.server_clock = server_clock if server_clock is not None else ServerClock()
        self.reconcile_delays = reconcile_delays
        self.sleep = sleep

    async def create(
        self,
        path: str,
        body: dict[str, Any],
        item: type[T],
        *,
        timeout: TimeoutTypes | None,
        hint: str,
    ) -> T:
        response = await self.transport.request(
            "POST", path, json=wire_body(body), timeout=timeout, idempotent=False, hint=hint
        )
        record = decode_created(converter, response, item, hint=hint)
        self.check_amounts(body, record, method="POST", url=str(response.request.url))
        return record

    def check_amounts(self, body: Mapping[str, Any], record: Any, *, method: str, url: str) -> None:
        """Raise `AmountMismatchError` if `record` holds other amounts than `body` asked for."""
        mismatch = amount_mismatch(body, record, method=method, url=url)
        if mismatch is not None:
            raise mismatch

    def paginate(
        self,
        path: str,
        query: Mapping[str, str],
        item: type[T],
        *,
        max_items: int | None,
        timeout: TimeoutTypes | None,
    ) -> AsyncPaginator[T]:
        if timeout is not None:
            timeout = timeout_value("timeout", timeout)  # now, not at the first page

        async def fetch(page_query: Mapping[str, str]) -> Page[T]:
            response = await self.transport.request("GET", path, params=page_query, timeout=timeout)
            return decode_page(converter, response, item, DRF_PAGE)[0]

        return AsyncPaginator(fetch, query, max_items=max_items)

    def history(
        self,
        path: str,
        item: type[T],
        status_enum: type[DepositStatus] | type[WithdrawStatus],
        *,
        max_items: int | None,
        timeout: TimeoutTypes | None,
        **filters: Any,
    ) -> AsyncPaginator[T]:
        """One of the three history endpoints, filtered: its query checked, then paged."""
        query = history_query(status_enum=status_enum, **filters)
        return self.paginate(path, query, item, max_items=max_items, timeout=timeout)
