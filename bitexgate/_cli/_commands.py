"""What each `bitexgate` subcommand does: one call of the client, its answer printed."""

from __future__ import annotations

import argparse
from typing import Any

from common._cli import Handler, Output

from .._client import BitexGateClient
from ._settings import PAGING

__all__ = [
    "DEPOSIT_COLUMNS",
    "INVOICE_COLUMNS",
    "INVOICE_DEPOSIT_COLUMNS",
    "PAYMENT_METHOD_COLUMNS",
    "WALLET_COLUMNS",
    "WITHDRAWAL_COLUMNS",
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

# The columns each list shows with --table unless --columns says otherwise: what
# tells the items apart and what a person looks for, within 120 characters.
PAYMENT_METHOD_COLUMNS = (
    "ticker",
    "network",
    "is_fiat",
    "min_deposit",
    "max_deposit",
    "min_withdraw",
    "max_withdraw",
    "withdraw_fee_amount",
)
WALLET_COLUMNS = ("address", "ticker", "network", "created_at", "convert_ticker")
DEPOSIT_COLUMNS = ("created_at", "status", "amount", "ticker", "network", "address")
INVOICE_COLUMNS = ("slug", "ticker", "network", "amount", "created_at", "convert_ticker")
INVOICE_DEPOSIT_COLUMNS = ("created_at", "status", "amount", "fee", "ticker", "network", "txid")
WITHDRAWAL_COLUMNS = (
    "id",
    "created_at",
    "status",
    "amount",
    "ticker",
    "client_order_id",
    "address",
)


async def payment_methods_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await gw.payment_methods.list(ordering=a.ordering), columns=PAYMENT_METHOD_COLUMNS)


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
    await out.stream_items(gw.wallets.list(**PAGING.options(a)), columns=WALLET_COLUMNS)


async def wallets_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.wallets.history(**_history_filters(a)), columns=DEPOSIT_COLUMNS)


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
    await out.stream_items(gw.invoices.list(**PAGING.options(a)), columns=INVOICE_COLUMNS)


async def invoices_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(
        gw.invoices.history(**_history_filters(a)), columns=INVOICE_DEPOSIT_COLUMNS
    )


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
        ),
        columns=WITHDRAWAL_COLUMNS,
    )
