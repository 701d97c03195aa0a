"""The endpoint namespaces of `BityClient`: `users`, `rates` and `orders`.

Every method checks its input before sending (ValidationError names the field),
takes a per-call `timeout=`, and returns models, never raw JSON, decoded by the
client's converter (it knows the server's time zone).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import cattrs

from common import SDKError, TimeoutTypes, Transport, decode_created, structure
from common._pages import decode_page
from common._reconcile import DEFAULT_RECONCILE_DELAYS, Look, add_detail, not_settled_note, settle
from common._validation import timeout_value
from common._watch import Watch

from . import _decode
from ._decode import ActivationBody, decode
from ._grants import utcnow
from ._models import (
    AmountMode,
    Currency,
    ListMeta,
    Order,
    OrderCategory,
    PairRate,
    PaymentMethod,
    Rate,
)
from ._pagination import BityPage, BityPaginator
from ._reconcile import CLOCK_MARGIN, AskedOrder, ReturnedOrders, search_orders
from ._requests import (
    API_ROOT,
    TASTYPIE_PAGE,
    list_query,
    order_body,
    pair_path,
    verify_phone_body,
)
from ._watch import OrderFeed

__all__ = ["API_ROOT", "OrdersResource", "RatesResource", "UsersResource"]

T = TypeVar("T")

_ORDER_HINT = (
    "Look for the order in `orders.list(order_by='-timestamp_created')` before creating it again."
)

logger = logging.getLogger("bityclient")


def _paginate(
    transport: Transport,
    converter: cattrs.Converter,
    path: str,
    item_type: type[T],
    query: dict[str, str],
    *,
    authenticated: bool,
    max_items: int | None,
    timeout: TimeoutTypes | None,
) -> BityPaginator[T]:
    if timeout is not None:
        timeout = timeout_value("timeout", timeout)  # now, not at the first page

    async def fetch_page(page_query: Mapping[str, str]) -> BityPage[T]:
        response = await transport.request(
            "GET", path, params=page_query, timeout=timeout, authenticated=authenticated
        )
        page, body = decode_page(converter, response, item_type, TASTYPIE_PAGE)
        meta = structure(converter, body.get("meta", {}), ListMeta, response)
        return BityPage(
            items=page.items,
            next_query=page.next_query,
            total_count=page.total_count,
            meta=meta,
        )

    return BityPaginator(fetch_page, query, max_items=max_items)


class UsersResource:
    """User activation (`bity.users`). Sign-up itself is only possible on Bity's website."""

    def __init__(
        self, transport: Transport, *, converter: cattrs.Converter = _decode.converter
    ) -> None:
        self._transport = transport
        self._converter = converter

    def __repr__(self) -> str:
        return f"<UsersResource {self._transport.base_url}{API_ROOT}/user_signup/>"

    async def verify_phone(
        self, *, phone: str, code: str, timeout: TimeoutTypes | None = None
    ) -> bool:
        """Activate a new user with the code Bity sent by SMS; returns `activated`.

        `phone` is in international format with its `+` (`"+41786399501"`). No
        token is needed or sent.
        """
        body = verify_phone_body(phone=phone, code=code)
        response = await self._transport.request(
            "POST",
            f"{API_ROOT}/user_signup/verifyphone/",
            json=body,
            timeout=timeout,
            authenticated=False,
            idempotent=False,
            hint="Try the code again: verifying twice does no harm.",
        )
        return decode(self._converter, response, ActivationBody).activated


class RatesResource:
    """Exchange rates (`bity.rates`); no token is needed or sent.

    A pair is two currency codes written together (`"ETHBTC"`); it is checked for
    shape, not against the reference's currency table: the reference's own rate
    list shows a pair outside that table, so an unknown pair is left to the
    server, which answers 404 (NotFoundError).
    """

    def __init__(
        self, transport: Transport, *, converter: cattrs.Converter = _decode.converter
    ) -> None:
        self._transport = transport
        self._converter = converter

    def __repr__(self) -> str:
        return f"<RatesResource {self._transport.base_url}{API_ROOT}/rate2/>"

    def list(
        self,
        *,
        page_size: int | None = None,
        offset: int | None = None,
        order_by: str | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> BityPaginator[Rate]:
        """Every pair's mid, buy and sell rates (`GET /api/v1/rate2/`), page by page.

        `page_size` is the server's `limit` (its default is 5), `offset` its
        `offset`, `order_by` a field name, with `-` before it for descending
        (`+pair`, the reference's ascending, is sent as `pair`: tastypie refuses
        a `+`); `max_items` stops the walk early.
        """
        query = list_query(page_size=page_size, offset=offset, order_by=order_by)
        return _paginate(
            self._transport,
            self._converter,
            f"{API_ROOT}/rate2/",
            Rate,
            query,
            authenticated=False,
            max_items=max_items,
            timeout=timeout,
        )

    async def we_sell(self, pair: str, *, timeout: TimeoutTypes | None = None) -> PairRate:
        """The price Bity sells at for `pair` (`GET /api/v1/rate_we_sell/{PAIR}/`)."""
        return await self._single("rate_we_sell", pair, timeout)

    async def we_buy(self, pair: str, *, timeout: TimeoutTypes | None = None) -> PairRate:
        """The price Bity buys at for `pair` (`GET /api/v1/rate_we_buy/{PAIR}/`)."""
        return await self._single("rate_we_buy", pair, timeout)

    async def _single(self, kind: str, pair: str, timeout: TimeoutTypes | None) -> PairRate:
        response = await self._transport.request(
            "GET", pair_path(kind, pair), timeout=timeout, authenticated=False
        )
        return decode(self._converter, response, PairRate)


class OrdersResource:
    """Orders of the logged-in user (`bity.orders`); every call sends the bearer token.

    `clock`, `reconcile_delays` and `sleep` serve the lookup after a lost answer
    (see `create`).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        converter: cattrs.Converter = _decode.converter,
        clock: Callable[[], datetime] = utcnow,
        reconcile_delays: tuple[float, ...] = DEFAULT_RECONCILE_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._transport = transport
        self._converter = converter
        self._clock = clock
        self._reconcile_delays = reconcile_delays
        self._sleep = sleep
        self._returned = ReturnedOrders()

    def __repr__(self) -> str:
        return f"<OrdersResource {self._transport.base_url}{API_ROOT}/order/>"

    async def create(
        self,
        *,
        category: OrderCategory | str,
        amount: Decimal | int | str,
        crypto_address: str | None = None,
        payment_method: PaymentMethod | str | None = None,
        currency: Currency | str | None = None,
        amount_mode: AmountMode | int | None = None,
        person: str | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> Order:
        """Create an order (`POST /api/v1/order/`).

        `amount` is a Decimal (or an int, or numeric text), positive, with at most
        eight decimal digits; it is sent as an exact string. Parameters left None
        are not sent, so the server's defaults apply (the order summary table marks
        them: the default payment method, `amount_mode` 0, the account's first
        person; an omitted `currency` means BTC). Pass `currency=""` to send the
        empty string the table shows for crypto-to-crypto orders.

        What `amount` counts is `amount_mode`'s to say. With the default (0,
        `AmountMode.DEFAULT`) it is what is paid in for BUY, BUY_ETH and BUY_REP
        (the fiat, or the BTC) and what is paid out for SELL and SELL_ETH (the
        fiat). `AmountMode.INPUT` makes it what is paid in (the ETH of a SELL_ETH),
        `AmountMode.OUTPUT` what is paid out (the ETH of a BUY_ETH paid in BTC;
        orders paid in fiat take only their input amount). Passing it explicitly
        says what the amount means to whoever reads the call.

        The combination of category, currency and payment method is not checked against the
        reference's order summary table, which its own examples contradict; the server
        refuses a wrong one with BadRequestError. An order is never sent twice by the SDK.
        If its answer is lost (a timeout, a broken connection, a 5xx, a 2xx answer that does
        not decode), the SDK looks for it in `orders.list(order_by="-timestamp_created")`
        after each wait of the client's `reconcile_delays`: the orders of this category
        created since just before the request was sent, of this amount (and crypto address
        and person, where the list shows them). When exactly one order matches and no other
        may be it, it is returned as if its answer had come, and a WARNING is logged.
        Otherwise the original error is raised (its class, `outcome_unknown`), its message
        saying where the SDK looked and for how long, with the orders that may be it as
        `candidates` (a list of Order, newest first; empty when none): look at them before
        creating the order again.
        """
        body = order_body(
            category=category,
            amount=amount,
            crypto_address=crypto_address,
            payment_method=payment_method,
            currency=currency,
            amount_mode=amount_mode,
            person=person,
        )
        sent_at = self._clock()
        try:
            response = await self._transport.request(
                "POST",
                f"{API_ROOT}/order/",
                json=body,
                timeout=timeout,
                idempotent=False,
                hint=_ORDER_HINT,
            )
            order = decode_created(self._converter, response, Order, hint=_ORDER_HINT)
        except SDKError as error:
            if not (error.outcome_unknown and self._reconcile_delays):
                raise
            lost = error
        else:
            self._returned.add(order)
            return order
        return await self._recover(lost, AskedOrder.from_body(body), sent_at, timeout)

    async def _recover(
        self, lost: SDKError, asked: AskedOrder, sent_at: datetime, timeout: TimeoutTypes | None
    ) -> Order:
        """The order whose answer was `lost`, told apart in the list; else `lost`, raised."""
        since = sent_at - timedelta(seconds=CLOCK_MARGIN)
        candidates: list[Order] = []

        async def look() -> Look[Order]:
            nonlocal candidates
            search = await search_orders(
                self.list, asked, since, returned=self._returned, timeout=timeout
            )
            candidates = search.candidates
            found = search.found
            if found is not None:
                self._returned.add(found)  # now, before another lookup can take it
            return Look(found, final=len(candidates) > 1)

        settled = await settle(self._reconcile_delays, look, sleep=self._sleep)
        if settled.found is None:
            where = (
                f"for a {asked.category} order of amount {format(asked.amount, 'f')} in "
                f"{API_ROOT}/order/ (created since {since.isoformat(timespec='seconds')})"
            )
            lost.candidates = candidates
            raise add_detail(lost, not_settled_note(where, settled, candidates=len(candidates)))
        logger.warning(
            "POST %s/order/: the answer was lost (%s); recovered order %s from the order "
            "list after %s",
            API_ROOT,
            type(lost).__name__,
            settled.found.id,
            settled.effort,
        )
        return settled.found

    def list(
        self,
        *,
        page_size: int | None = None,
        offset: int | None = None,
        order_by: str | None = None,
        max_items: int | None = None,
        timeout: TimeoutTypes | None = None,
    ) -> BityPaginator[Order]:
        """The user's orders (`GET /api/v1/order/`), page by page.

        `order_by="-timestamp_created"` lists the newest first; see `rates.list` for
        the other parameters.
        """
        query = list_query(page_size=page_size, offset=offset, order_by=order_by)
        return _paginate(
            self._transport,
            self._converter,
            f"{API_ROOT}/order/",
            Order,
            query,
            authenticated=True,
            max_items=max_items,
            timeout=timeout,
        )

    def watch(
        self,
        *,
        interval: float = 5.0,
        include_existing: bool = False,
        cursor: Any = None,
        page_size: int = 50,
    ) -> Watch[Order]:
        """Each new order, and each change of its status or its transactions', once.

        Polls `list()` every `interval` seconds; see `Watch`. `async for change in ...`.
        """
        list_query(page_size=page_size)  # checked now, before any request
        feed = OrderFeed(self.list, self._converter, page_size=page_size)
        return Watch(feed, interval=interval, include_existing=include_existing, cursor=cursor)
