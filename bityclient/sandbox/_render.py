"""Each object written as the reference shows it, and as tastypie writes.

Keys in alphabetical order, timestamps in UTC without a zone and with
microseconds, decimals as `str()` of the value to 8 places, so a zero is
`"0E-8"` (as in the reference) and one satoshi `"1E-8"`.

The order list shows the reference's list form (category, transactions,
person, resource_uri, status, timestamp_created); `POST` and the order's own
URI answer the created form. Statuses beyond the samples' (OPEN, EXEC; CONF,
FILL) are CANC for a cancelled order and its transactions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ._records import Order, RateView, to_places

__all__ = [
    "format_decimal",
    "format_timestamp",
    "render_order",
    "render_order_summary",
    "render_pair_rate",
    "render_rate",
    "render_token",
]


def format_timestamp(moment: datetime) -> str:
    """Bity's timestamps: UTC, without a zone, with microseconds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def format_decimal(value: Decimal) -> str:
    """A decimal to 8 places, written as Django writes one (`"0.50000000"`, `"0E-8"`)."""
    return str(to_places(value))


def render_token(access_token: str, expires_in: int, refresh_token: str) -> dict[str, Any]:
    """A token grant's answer, as django-oauth-toolkit writes it."""
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": refresh_token,
        "scope": "read write",
    }


def render_pair_rate(kind: str, view: RateView, rate: Decimal) -> dict[str, Any]:
    """`GET /rate_we_sell/{PAIR}/` or `/rate_we_buy/{PAIR}/` (`kind`): one rate of a pair."""
    return {
        "pair": view.pair,
        "rate": format_decimal(rate),
        "resource_uri": f"/api/v1/{kind}/{view.pair}/",
        "source": view.source,
        "target": view.target,
        "timestamp": format_timestamp(view.timestamp),
    }


def _transactions(order: Order) -> tuple[dict[str, Any], dict[str, Any]]:
    input_tx, output_tx = order.input, order.output
    return (
        {
            "amount": format_decimal(input_tx.amount),
            "currency": input_tx.currency,
            "order": order.uri,
            "payment_method": f"/api/v1/payment_method/{input_tx.method}/",
            "payment_processor_fee": format_decimal(Decimal(0)),
            "reference": input_tx.reference,
            "resource_uri": f"/api/v1/input_transaction/{input_tx.id}/",
            "status": input_tx.status,
        },
        {
            "amount": format_decimal(output_tx.amount),
            "currency": output_tx.currency,
            "order": order.uri,
            "payout_method": f"/api/v1/payout_method/{output_tx.method}/",
            "reference": output_tx.reference,
            "resource_uri": f"/api/v1/output_transaction/{output_tx.id}/",
            "status": output_tx.status,
        },
    )


def render_order(order: Order) -> dict[str, Any]:
    """An order as `POST /order/` answers it (the reference's created form)."""
    input_tx, output_tx = _transactions(order)
    return {
        "amount": format_decimal(order.amount),
        "category": order.category,
        "crypto_address": order.crypto_address,
        "currency": order.currency_text,
        "inputtransactions": [input_tx],
        "outputtransactions": [output_tx],
        "payment_amount": format_decimal(order.input.amount),
        "payment_method": order.payment_method,
        "payment_url": order.payment_url,
        "person": order.person_uri,
        "reference": order.reference,
        "resource_uri": order.uri,
        "status": order.status,
        "timestamp_created": format_timestamp(order.created),
        "unique_id": order.unique_id,
    }


def render_order_summary(order: Order) -> dict[str, Any]:
    """An order as `GET /order/` lists it (the reference's list form: fewer fields)."""
    input_tx, output_tx = _transactions(order)
    return {
        "category": order.category,
        "inputtransactions": [input_tx],
        "outputtransactions": [output_tx],
        "person": order.person_uri,
        "resource_uri": order.uri,
        "status": order.status,
        "timestamp_created": format_timestamp(order.created),
    }


def render_rate(view: RateView) -> dict[str, Any]:
    """A pair as `GET /rate2/` lists it."""
    stamp = format_timestamp(view.timestamp)
    return {
        "is_enabled": view.enabled,
        "pair": view.pair,
        "rate": format_decimal(view.rate),
        "rate_we_buy": format_decimal(view.we_buy),
        "rate_we_buy_timestamp": stamp,
        "rate_we_sell": format_decimal(view.we_sell),
        "rate_we_sell_timestamp": stamp,
        "resource_uri": f"/api/v1/rate2/{view.pair}/",
        "source": view.source,
        "target": view.target,
        "timestamp": stamp,
    }
