"""The endpoint namespaces of `BityClient`: `users`, `rates` and `orders`.

Every method checks its input before sending (ValidationError names the field),
takes a per-call `timeout=`, and returns models, never raw JSON, decoded by the
client's converter (it knows the server's time zone: see `_decode.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

import cattrs

from common import (
    DecodeError,
    TimeoutTypes,
    Transport,
    decode_created,
    query_of_link,
    response_text,
)
from common._validation import MAX_COUNT, MAX_PAGE_SIZE, timeout_value, whole_number

from . import _decode
from . import _validation as check
from ._decode import ActivationBody, ListBody, decode
from ._models import (
    AmountMode,
    Currency,
    Order,
    OrderCategory,
    PairRate,
    PaymentMethod,
    Rate,
)
from ._pagination import BityPage, BityPaginator

__all__ = ["API_ROOT", "OrdersResource", "RatesResource", "UsersResource"]

#: Where the v1 endpoints live under the base URL.
API_ROOT = "/api/v1"

T = TypeVar("T")

_ORDER_HINT = (
    "Look for the order in `orders.list(order_by='-timestamp_created')` before creating it again."
)


def _list_query(
    *, page_size: int | None, offset: int | None, order_by: str | None
) -> dict[str, str]:
    query: dict[str, str] = {}
    if page_size is not None:
        query["limit"] = str(whole_number("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE))
    if offset is not None:
        query["offset"] = str(whole_number("offset", offset, minimum=0, maximum=MAX_COUNT))
    if order_by is not None:
        query["order_by"] = check.order_by(order_by)
    return query


#: What a `meta.next` link contributes to the next request: where the page starts.
#: The caller's `order_by` and filters are kept as the first page sent them.
NEXT_PAGE_KEYS = ("limit", "offset")


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
    body_type: Any = ListBody[item_type]  # type: ignore[valid-type]

    async def fetch_page(page_query: Mapping[str, str]) -> BityPage[T]:
        response = await transport.request(
            "GET", path, params=page_query, timeout=timeout, authenticated=authenticated
        )
        body: ListBody[T] = decode(converter, response, body_type)
        next_link = body.meta.next
        try:
            next_query = query_of_link(next_link, keys=NEXT_PAGE_KEYS)
        except ValueError:
            shown = (next_link or "")[:200]  # a link of any length, quoted in a short message
            raise DecodeError(
                f"GET {response.request.url}: meta.next is not a URL: {shown!r}",
                text=response_text(response),
                status_code=response.status_code,
                method="GET",
                url=str(response.request.url),
            ) from None
        return BityPage(
            items=body.objects,
            next_query=next_query,
            total_count=body.meta.total_count,
            meta=body.meta,
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
        body = {
            "phone": check.phone(phone),
            "code": check.token_text(code, field="code"),
        }
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
    shape, not against the reference's currency table (see `_validation.py`).
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
        query = _list_query(page_size=page_size, offset=offset, order_by=order_by)
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
        checked = check.pair(pair)
        response = await self._transport.request(
            "GET", f"{API_ROOT}/{kind}/{checked}/", timeout=timeout, authenticated=False
        )
        return decode(self._converter, response, PairRate)


class OrdersResource:
    """Orders of the logged-in user (`bity.orders`); every call sends the bearer token."""

    def __init__(
        self, transport: Transport, *, converter: cattrs.Converter = _decode.converter
    ) -> None:
        self._transport = transport
        self._converter = converter

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

        The combination of category, currency and payment method is not checked
        here (see `_validation.py`); the server refuses a wrong one with
        BadRequestError. An order is never retried unless it provably never left;
        if the outcome is unknown, the error says so (`outcome_unknown`): look for
        the order in `orders.list(order_by="-timestamp_created")` before creating
        it again. That includes a 2xx answer that does not decode as an order
        (DecodeError): the server has probably created it.
        """
        body: dict[str, Any] = {}
        if payment_method is not None:
            body["payment_method"] = check.code(
                payment_method, PaymentMethod, field="payment_method"
            )
        if currency is not None:
            if currency == "":
                body["currency"] = ""
            else:
                body["currency"] = check.code(currency, Currency, field="currency")
        body["amount"] = check.amount_text(amount)
        if amount_mode is not None:
            body["amount_mode"] = check.int_code(amount_mode, AmountMode, field="amount_mode")
        if crypto_address is not None:
            body["crypto_address"] = check.no_spaces(crypto_address, field="crypto_address")
        body["category"] = check.code(category, OrderCategory, field="category")
        if person is not None:
            body["person"] = check.no_spaces(person, field="person")
        response = await self._transport.request(
            "POST",
            f"{API_ROOT}/order/",
            json=body,
            timeout=timeout,
            idempotent=False,
            hint=_ORDER_HINT,
        )
        return decode_created(self._converter, response, Order, hint=_ORDER_HINT)

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
        query = _list_query(page_size=page_size, offset=offset, order_by=order_by)
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
