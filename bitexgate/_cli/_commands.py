"""What each `bitexgate` subcommand does: one call of the client, its answer printed."""

from __future__ import annotations

import argparse
from typing import Any

from common._cli import Handler, Output

from .._client import BitexGateClient
from ._settings import PAGING

__all__ = [
    "GatewayHandler",
    "invoices_create",
    "invoices_history",
    "invoices_list",
    "payment_methods_list",
    "wallets_create",
    "wallets_history",
    "wallets_list",
    "withdrawals_create",
    "withdrawals_history",
]

GatewayHandler = Handler[BitexGateClient]


async def payment_methods_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await gw.payment_methods.list(ordering=a.ordering))


_HISTORY_FILTERS = (
    "ticker",
    "network",
    "status",
    "txid",
    "address",
    "payment_id",
    "memo",
    "destination_tag",
)


def _history_filters(a: argparse.Namespace) -> dict[str, Any]:
    """The filters and paging of a deposit history command (wallets and invoices alike)."""
    return {**{name: getattr(a, name) for name in _HISTORY_FILTERS}, **PAGING.options(a)}


async def wallets_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    wallet = await gw.wallets.create(
        ticker=a.ticker,
        network=a.network,
        callback_url=a.callback_url,
        convert_ticker=a.convert_ticker,
        convert_limit=a.convert_limit,
        convert_percent=a.convert_percent,
    )
    out.show(wallet)


async def wallets_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.wallets.list(**PAGING.options(a)))


async def wallets_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.wallets.history(**_history_filters(a)))


async def invoices_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    invoice = await gw.invoices.create(
        ticker=a.ticker,
        network=a.network,
        amount=a.amount,
        client_ip=a.client_ip,
        payment_url=a.payment_url,
        cancel_url=a.cancel_url,
        callback_url=a.callback_url,
        convert_ticker=a.convert_ticker,
        convert_limit=a.convert_limit,
        convert_percent=a.convert_percent,
    )
    out.show(invoice)


async def invoices_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.invoices.list(**PAGING.options(a)))


async def invoices_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.invoices.history(**_history_filters(a)))


async def withdrawals_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    withdrawal = await gw.withdrawals.create(
        ticker=a.ticker,
        network=a.network,
        amount=a.amount,
        address=a.address,
        card=a.card,
        payment_id=a.payment_id,
        memo=a.memo,
        destination_tag=a.destination_tag,
        comment=a.comment,
        client_order_id=a.client_order_id,
        callback_url=a.callback_url,
        fee_payer=a.fee_payer,
        auto_buy_ticker=a.auto_buy_ticker,
        auto_buy_percent=a.auto_buy_percent,
    )
    out.show(withdrawal)


async def withdrawals_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(
        gw.withdrawals.history(
            ticker=a.ticker,
            network=a.network,
            status=a.status,
            txid=a.txid,
            address=a.address,
            **PAGING.options(a),
        )
    )
