"""Pure functions that check user input and build the gateway's request bodies and queries.

Each returns the dict that is serialised once and sent; each raises
`ValidationError` naming the field and the rule before anything is sent.
Optional fields left as None are omitted from the body.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from typing import Any

from common import ValidationError
from common._validation import (
    MAX_CODE,
    MAX_COUNT,
    MAX_PAGE_SIZE,
    amount,
    decimal_value,
    optional_text,
    required_text,
    shown,
    whole_number,
)

from ._enums import DepositStatus, FeePayer, WithdrawStatus

__all__ = [
    "history_query",
    "invoice_body",
    "list_query",
    "wallet_body",
    "withdrawal_body",
]


def _url(field: str, value: Any) -> str | None:
    text = optional_text(field, value)
    if text is not None and not text.startswith(("http://", "https://")):
        raise ValidationError(field, f"must be an absolute http(s) URL, got {text!r}")
    return text


def _optional_decimal(field: str, value: Any) -> Decimal | None:
    return None if value is None else decimal_value(field, value)


def _optional_positive(field: str, value: Any) -> Decimal | None:
    return None if value is None else amount(field, value)


def _ip(field: str, value: Any) -> str:
    text = required_text(field, value)
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        raise ValidationError(field, f"must be an IPv4 or IPv6 address, got {text!r}") from None
    return text.strip()


def _optional_count(field: str, value: Any, maximum: int) -> int | None:
    return None if value is None else whole_number(field, value, minimum=1, maximum=maximum)


def _compact(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


def wallet_body(
    *,
    ticker: Any,
    network: Any,
    callback_url: Any = None,
    convert_ticker: Any = None,
    convert_limit: Any = None,
    convert_percent: Any = None,
) -> dict[str, Any]:
    """The body of `POST /api/gateway/wallet/create`."""
    return _compact(
        {
            "ticker": required_text("ticker", ticker),
            "network": required_text("network", network),
            "callback_url": _url("callback_url", callback_url),
            "convert_ticker": optional_text("convert_ticker", convert_ticker),
            "convert_limit": _optional_positive("convert_limit", convert_limit),
            "convert_percent": _optional_decimal("convert_percent", convert_percent),
        }
    )


def invoice_body(
    *,
    ticker: Any,
    network: Any,
    amount: Any,
    client_ip: Any,
    callback_url: Any = None,
    payment_url: Any = None,
    cancel_url: Any = None,
    convert_ticker: Any = None,
    convert_limit: Any = None,
    convert_percent: Any = None,
) -> dict[str, Any]:
    """The body of `POST /api/gateway/invoice/create`."""
    return _compact(
        {
            "ticker": required_text("ticker", ticker),
            "network": required_text("network", network),
            "amount": _amount("amount", amount),
            "payment_url": _url("payment_url", payment_url),
            "cancel_url": _url("cancel_url", cancel_url),
            "callback_url": _url("callback_url", callback_url),
            "convert_ticker": optional_text("convert_ticker", convert_ticker),
            "convert_limit": _optional_positive("convert_limit", convert_limit),
            "convert_percent": _optional_decimal("convert_percent", convert_percent),
            "client_ip": _ip("client_ip", client_ip),
        }
    )


def _amount(field: str, value: Any) -> Decimal:
    if value is None:
        raise ValidationError(field, "is required")
    return amount(field, value)


def _fee_payer(value: Any) -> FeePayer | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2):
        raise ValidationError(
            "fee_payer",
            f"must be FeePayer.BALANCE (1) or FeePayer.AMOUNT (2), got {shown(value)}",
        )
    return FeePayer(value)


def withdrawal_body(
    *,
    ticker: Any,
    network: Any,
    amount: Any,
    address: Any = None,
    card: Any = None,
    is_fiat: bool | None = None,
    payment_id: Any = None,
    memo: Any = None,
    destination_tag: Any = None,
    comment: Any = None,
    client_order_id: Any = None,
    callback_url: Any = None,
    fee_payer: Any = None,
    auto_buy_ticker: Any = None,
    auto_buy_percent: Any = None,
) -> dict[str, Any]:
    """The body of `POST /api/gateway/withdraw/create`.

    A crypto withdrawal needs `address`, a fiat one `card`; exactly one is
    accepted. When `is_fiat` is known (from the payment method list) the SDK also
    checks that the right one was given.
    """
    address = optional_text("address", address)
    card = optional_text("card", card)
    if address is not None and not address.strip():
        raise ValidationError("address", "must not be empty")
    if card is not None and not card.strip():
        raise ValidationError("card", "must not be empty")
    if address is None and card is None:
        raise ValidationError(
            "address", "is required for a crypto withdrawal (or card, for a fiat one)"
        )
    if address is not None and card is not None:
        raise ValidationError("card", "give address (crypto) or card (fiat), not both")
    if is_fiat is True and card is None:
        raise ValidationError("card", f"is required: {ticker}/{network} is a fiat method")
    if is_fiat is False and address is None:
        raise ValidationError("address", f"is required: {ticker}/{network} is a crypto method")
    return _compact(
        {
            "ticker": required_text("ticker", ticker),
            "network": required_text("network", network),
            "address": address,
            "card": card,
            "payment_id": optional_text("payment_id", payment_id),
            "memo": optional_text("memo", memo),
            "comment": optional_text("comment", comment),
            "destination_tag": optional_text("destination_tag", destination_tag),
            "amount": _amount("amount", amount),
            "callback_url": _url("callback_url", callback_url),
            "client_order_id": optional_text("client_order_id", client_order_id),
            "fee_payer": _fee_payer(fee_payer),
            "auto_buy_ticker": optional_text("auto_buy_ticker", auto_buy_ticker),
            "auto_buy_percent": _optional_decimal("auto_buy_percent", auto_buy_percent),
        }
    )


def list_query(*, ordering: Any = None, page: Any = None, page_size: Any = None) -> dict[str, str]:
    """The query of a list endpoint: `ordering`, `page` and `limit` (the page size)."""
    ordering = optional_text("ordering", ordering)
    if ordering is not None and not ordering.strip():
        raise ValidationError("ordering", "must name a field, such as 'id' or '-id'")
    values = {
        "ordering": ordering,
        "page": _optional_count("page", page, MAX_COUNT),
        "limit": _optional_count("page_size", page_size, MAX_PAGE_SIZE),
    }
    return {key: str(value) for key, value in values.items() if value is not None}


def _status(value: Any, enum: type[DepositStatus] | type[WithdrawStatus]) -> str | None:
    if value is None:
        return None
    code = _status_code(value, enum)
    if code is None or not 0 <= code <= MAX_CODE:
        raise ValidationError(
            "status",
            f"must be a {enum.__name__} or its integer code (0 to {MAX_CODE}), got {shown(value)}",
        )
    return str(code)


def _status_code(value: Any, enum: type[DepositStatus] | type[WithdrawStatus]) -> int | None:
    """The code `value` names, or None; an int out of range is not made a member first."""
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_CODE:
        return None
    try:
        return int(enum(value))
    except (ValueError, TypeError):
        return None


def history_query(
    *,
    status_enum: type[DepositStatus] | type[WithdrawStatus],
    ordering: Any = None,
    page: Any = None,
    page_size: Any = None,
    status: Any = None,
    **filters: Any,
) -> dict[str, str]:
    """The query of a history endpoint: the list parameters plus its text filters."""
    query = list_query(ordering=ordering, page=page, page_size=page_size)
    for name, value in filters.items():
        text = optional_text(name, value)
        if text is not None:
            query[name] = text
    status_code = _status(status, status_enum)
    if status_code is not None:
        query["status"] = status_code
    return query
