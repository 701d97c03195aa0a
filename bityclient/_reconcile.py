"""Telling which listed order a `POST /order/` whose answer was lost made, if any.

Bity keeps no key of the caller's on an order, and its list form shows less
than the created form: no `amount`, `amount_mode` or `crypto_address`; the
category, person, status, creation time and the input and output transactions.
So `order_verdict` judges a listed order against what was asked (`AskedOrder`):

- not it: another category, created before `since` (when the request was sent,
  less `CLOCK_MARGIN`: this machine's clock against the server's timestamps, read
  in its time zone), or, where the listed order shows them, another person,
  crypto address or amount;
- a match: its amount is the one asked, shown as `amount` or as the one
  transaction on the side the amount was given for (`amount_side`): the input
  for `amount_mode` INPUT, the output for OUTPUT; with DEFAULT, the input for
  BUY, BUY_ETH and BUY_REP, the output for SELL and for SELL_ETH paid out in
  fiat (the reference's amount mode table and order summary);
- possible: anything else (no transaction on that side, several, a placeholder
  amount, or a DEFAULT the reference does not explain: SELL_ETH paid out in a
  cryptocurrency, a category it does not list).

The order is taken only when exactly one listed order matches and no other is
possible; else the lost request's error is raised with them as `candidates`.
An order the same client already returned (created, or recovered) is never
taken again, so two lost requests cannot claim one order. Two identical orders
(same category and amount) sent from other processes within the margin cannot
be told apart, and are never guessed between.
"""

from __future__ import annotations

import collections
import contextlib
import enum
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from common import TimeoutTypes

from ._models import AmountMode, Currency, Order, OrderCategory
from ._pagination import BityPaginator

__all__ = [
    "CLOCK_MARGIN",
    "ORDER_PAGES",
    "ORDER_PAGE_SIZE",
    "AskedOrder",
    "OrderSearch",
    "ReturnedOrders",
    "Verdict",
    "amount_side",
    "order_verdict",
    "search_orders",
]

#: Seconds before a request was sent from which its order is looked for: this
#: machine's clock and the server's may be that far apart.
CLOCK_MARGIN = 60.0
#: The page size asked for, and the pages read at most, while looking.
ORDER_PAGE_SIZE = 50
ORDER_PAGES = 4

_INPUT_BY_DEFAULT = frozenset({OrderCategory.BUY, OrderCategory.BUY_ETH, OrderCategory.BUY_REP})

OrderList = Callable[..., BityPaginator[Order]]


class Verdict(enum.Enum):
    """What a listed order is to a lost request: not its order, its order, or perhaps."""

    NOT_IT = "not it"
    MATCH = "match"
    POSSIBLE = "possible"


@attrs.frozen
class AskedOrder:
    """What a `POST /order/` asked for, as far as a listed order can show it."""

    category: str
    amount: Decimal
    amount_mode: int = AmountMode.DEFAULT
    currency: str | None = None
    crypto_address: str | None = None
    person: str | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> AskedOrder:
        """What the body of `orders.create` (checked by `order_body`) asks for."""
        return cls(
            category=str(body["category"]),
            amount=Decimal(body["amount"]),
            amount_mode=int(body.get("amount_mode", AmountMode.DEFAULT)),
            currency=body.get("currency"),
            crypto_address=body.get("crypto_address"),
            person=body.get("person"),
        )


def amount_side(category: str, amount_mode: int, currency: str | None = None) -> str | None:
    """`"input"` or `"output"`: the transaction an order's amount is given for; None if unknown.

    `currency` is the order's, as sent (the fiat side, or blank or None).
    """
    if amount_mode == AmountMode.INPUT:
        return "input"
    if amount_mode == AmountMode.OUTPUT:
        return "output"
    if amount_mode != AmountMode.DEFAULT:
        return None  # a placeholder, or a mode the reference does not list
    if category in _INPUT_BY_DEFAULT:
        return "input"
    pays_out_fiat = bool(currency) and Currency(currency).is_fiat
    if category == OrderCategory.SELL or (category == OrderCategory.SELL_ETH and pays_out_fiat):
        return "output"
    return None


def _segment(uri: str) -> str:
    return uri.strip().rstrip("/").rsplit("/", 1)[-1]


def _differs(shown: str | None, asked: str | None, key: Callable[[str], str] = str.strip) -> bool:
    return shown is not None and asked is not None and key(shown) != key(asked)


def order_verdict(order: Order, asked: AskedOrder, since: datetime) -> Verdict:
    """Whether the listed `order` is the one `asked` for (see the module)."""
    if str(order.category) != asked.category or order.timestamp_created < since:
        return Verdict.NOT_IT
    if _differs(order.crypto_address, asked.crypto_address) or _differs(
        order.person, asked.person, key=_segment
    ):
        return Verdict.NOT_IT
    if asked.amount_mode == AmountMode.INPUT_PLACEHOLDER:
        return Verdict.POSSIBLE  # the amounts are filled in when the payment arrives
    if order.amount is not None:
        return Verdict.MATCH if order.amount == asked.amount else Verdict.NOT_IT
    side = amount_side(asked.category, asked.amount_mode, asked.currency)
    if side is None:
        return Verdict.POSSIBLE
    transactions = order.input_transactions if side == "input" else order.output_transactions
    if len(transactions) != 1:
        return Verdict.POSSIBLE
    return Verdict.MATCH if transactions[0].amount == asked.amount else Verdict.NOT_IT


class ReturnedOrders:
    """The orders a client has returned from `create` lately (their `resource_uri`)."""

    def __init__(self, size: int = 1024) -> None:
        self._uris: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._size = size

    def __contains__(self, uri: object) -> bool:
        return uri in self._uris

    def add(self, order: Order) -> None:
        """Note `order` as returned (the oldest noted is forgotten past `size`)."""
        self._uris[order.resource_uri] = None
        self._uris.move_to_end(order.resource_uri)
        while len(self._uris) > self._size:
            self._uris.popitem(last=False)


@attrs.frozen
class OrderSearch:
    """The listed orders that match a lost request, and those that may be its order."""

    matches: list[Order]
    possible: list[Order]

    @property
    def found(self) -> Order | None:
        """The order, when exactly one matches and no other may be it."""
        return self.matches[0] if len(self.matches) == 1 and not self.possible else None

    @property
    def candidates(self) -> list[Order]:
        """Every listed order that may be it, newest first."""
        return [*self.matches, *self.possible]


async def search_orders(
    orders: OrderList,
    asked: AskedOrder,
    since: datetime,
    *,
    returned: ReturnedOrders,
    timeout: TimeoutTypes | None,
) -> OrderSearch:
    """Read the newest orders, down to `since`, and judge each one not `returned` already.

    Reading stops at an order created before `since` once the creation times
    read are seen to fall, and never to rise (a server that ignored `order_by` is
    read to the page cap, `ORDER_PAGES`).
    """
    paginator = orders(order_by="-timestamp_created", page_size=ORDER_PAGE_SIZE, timeout=timeout)
    matches: list[Order] = []
    possible: list[Order] = []
    previous: datetime | None = None
    fell = rose = False
    pages = 0
    async with contextlib.aclosing(paginator.pages()) as listing:
        async for page in listing:
            pages += 1
            for order in page.items:
                created = order.timestamp_created
                if previous is not None:
                    fell, rose = fell or created < previous, rose or created > previous
                previous = created
                if created < since and fell and not rose:
                    return OrderSearch(matches, possible)
                if order.resource_uri in returned:
                    continue
                verdict = order_verdict(order, asked, since)
                if verdict is Verdict.MATCH:
                    matches.append(order)
                elif verdict is Verdict.POSSIBLE:
                    possible.append(order)
            if pages >= ORDER_PAGES:
                break
    return OrderSearch(matches, possible)
