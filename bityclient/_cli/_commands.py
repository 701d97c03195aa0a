"""What each `bityclient` subcommand does: one call of the client, its answer printed."""

from __future__ import annotations

import argparse

from common._cli import Handler, Output

from .._client import BityClient
from ._settings import PAGING

__all__ = [
    "ORDER_COLUMNS",
    "RATE_COLUMNS",
    "BityHandler",
    "orders_create",
    "orders_list",
    "rates_list",
    "rates_we_buy",
    "rates_we_sell",
    "verify_phone",
]

BityHandler = Handler[BityClient]

# The columns each list shows with --table unless --columns says otherwise.
RATE_COLUMNS = ("pair", "rate", "rate_we_buy", "rate_we_sell", "timestamp", "is_enabled")
ORDER_COLUMNS = (
    "resource_uri",
    "category",
    "status",
    "timestamp_created",
    "input_transactions",
    "output_transactions",
)


async def verify_phone(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show({"activated": await bity.users.verify_phone(phone=a.phone, code=a.code)})


async def rates_list(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(bity.rates.list(**PAGING.options(a)), columns=RATE_COLUMNS)


async def rates_we_sell(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await bity.rates.we_sell(a.pair))


async def rates_we_buy(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await bity.rates.we_buy(a.pair))


async def orders_create(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    order = await bity.orders.create(
        category=a.category,
        amount=a.amount,
        currency=a.currency,
        payment_method=a.payment_method,
        amount_mode=a.amount_mode,
        crypto_address=a.crypto_address,
        person=a.person,
    )
    out.show(order)


async def orders_list(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(bity.orders.list(**PAGING.options(a)), columns=ORDER_COLUMNS)
