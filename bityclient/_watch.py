"""Bity's order list as a watch feed: what identifies an order, and how to follow it.

The list is read newest first (`order_by=-timestamp_created`); it has no
filters, so an order still open off the first page is followed by reading on,
down to the oldest one followed. A change is a change of the order's status or
of one of its transactions' (a payment that arrives, a payout made).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import cattrs

from common import Page, ValidationError, to_dict
from common._scan import scan_back

from ._models import Order
from ._pagination import BityPaginator

__all__ = ["OrderFeed"]

#: Newest first: the ordering a watch reads the order list in.
NEWEST_FIRST = "-timestamp_created"


class OrderFeed:
    """The logged-in user's orders, keyed by their resource URI."""

    name: str = "bityclient.orders"

    def __init__(
        self,
        listing: Callable[..., BityPaginator[Order]],
        converter: cattrs.Converter,
        *,
        page_size: int,
    ) -> None:
        self._listing = listing
        self._converter = converter
        self.page_size = page_size
        self.filters: Mapping[str, str] = {}

    def newest(self, page_size: int | None = None) -> BityPaginator[Order]:
        return self._listing(order_by=NEWEST_FIRST, page_size=page_size or self.page_size)

    def key(self, item: Order) -> str:
        return item.resource_uri

    def state(self, item: Order) -> str:
        return json.dumps(
            [
                str(item.status),
                [str(t.status) for t in item.input_transactions],
                [str(t.status) for t in item.output_transactions],
            ]
        )

    def is_final(self, item: Order) -> bool:
        return item.status.is_final

    def position(self, item: Order) -> Any:
        return item.timestamp_created

    async def follow(
        self, pending: Sequence[Order], more: AsyncIterator[Page[Order]]
    ) -> dict[str, Order]:
        oldest = min(order.timestamp_created for order in pending)
        return await scan_back(
            more,
            {order.resource_uri for order in pending},
            key=self.key,
            older_than_all=lambda order: order.timestamp_created < oldest,
        )

    def dump(self, item: Order) -> dict[str, Any]:
        return to_dict(item)

    def load(self, data: Any) -> Order:
        try:
            order: Order = self._converter.structure(data, Order)
        except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
            raise ValidationError(
                "cursor", f"holds a record that is not an Order ({exc})"
            ) from None
        return order
