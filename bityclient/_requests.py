"""Pure functions that check user input and build Bity's request bodies, queries and paths.

Each raises `ValidationError` naming the field and the rule before anything is
sent; each returns what is serialised once and sent. Parameters left None are not
sent, so the server's defaults apply.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from common._pages import PageShape
from common._validation import MAX_COUNT, MAX_PAGE_SIZE, whole_number

from . import _validation as check
from ._models import AmountMode, Currency, OrderCategory, PaymentMethod

__all__ = [
    "API_ROOT",
    "TASTYPIE_PAGE",
    "list_query",
    "order_body",
    "pair_path",
    "verify_phone_body",
]

#: Where the v1 endpoints live under the base URL.
API_ROOT = "/api/v1"

#: `meta {limit, offset, next, previous, total_count} / objects`. A `meta.next` link
#: contributes where the next page starts; the caller's `order_by` is kept as sent.
TASTYPIE_PAGE = PageShape(
    items="objects",
    next_link=("meta", "next"),
    total_count=("meta", "total_count"),
    next_keys=("limit", "offset"),
)


def list_query(
    *, page_size: int | None = None, offset: int | None = None, order_by: str | None = None
) -> dict[str, str]:
    """A list's query: `limit` (the page size), `offset`, and `order_by` as tastypie takes it."""
    query: dict[str, str] = {}
    if page_size is not None:
        query["limit"] = str(whole_number("page_size", page_size, minimum=1, maximum=MAX_PAGE_SIZE))
    if offset is not None:
        query["offset"] = str(whole_number("offset", offset, minimum=0, maximum=MAX_COUNT))
    if order_by is not None:
        query["order_by"] = check.order_by(order_by)
    return query


def verify_phone_body(*, phone: Any, code: Any) -> dict[str, str]:
    """The body of `POST /api/v1/user_signup/verifyphone/`."""
    return {"phone": check.phone(phone), "code": check.token_text(code, field="code")}


def pair_path(kind: str, pair: Any) -> str:
    """The path of `rate_we_sell` or `rate_we_buy` for a currency pair (`"ETHBTC"`)."""
    return f"{API_ROOT}/{kind}/{check.pair(pair)}/"


def order_body(
    *,
    category: Any,
    amount: Decimal | int | str,
    crypto_address: Any = None,
    payment_method: Any = None,
    currency: Any = None,
    amount_mode: Any = None,
    person: Any = None,
) -> dict[str, Any]:
    """The body of `POST /api/v1/order/`, in the reference's order.

    `amount` goes as exact text with at most eight decimals; `currency=""` sends
    the empty string the order summary shows for crypto-to-crypto orders.
    """
    body: dict[str, Any] = {}
    if payment_method is not None:
        body["payment_method"] = check.code(payment_method, PaymentMethod, field="payment_method")
    if currency is not None:
        blank = currency == ""
        body["currency"] = "" if blank else check.code(currency, Currency, field="currency")
    body["amount"] = check.amount_text(amount)
    if amount_mode is not None:
        body["amount_mode"] = check.int_code(amount_mode, AmountMode, field="amount_mode")
    if crypto_address is not None:
        body["crypto_address"] = check.no_spaces(crypto_address, field="crypto_address")
    body["category"] = check.code(category, OrderCategory, field="category")
    if person is not None:
        body["person"] = check.no_spaces(person, field="person")
    return body
