"""The `bitexgate` argument parser: every subcommand and its flags."""

from __future__ import annotations

import argparse

from common._cli import ArgumentParser, CommandTree, decimal_arg, enum_arg, enum_choices

from .._enums import DepositStatus, FeePayer, WithdrawStatus
from ._commands import (
    invoices_create,
    invoices_history,
    invoices_list,
    payment_methods_list,
    wallets_create,
    wallets_history,
    wallets_list,
    withdrawals_create,
    withdrawals_history,
)
from ._settings import CREDENTIALS, PAGING, PROG, SANDBOX

__all__ = ["build_parser"]


def _add_convert(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--callback-url", metavar="URL", help="where the gateway posts updates")
    parser.add_argument("--convert-ticker", metavar="TICKER", help="exchange deposits into this")
    parser.add_argument(
        "--convert-limit", type=decimal_arg, metavar="AMOUNT", help="convert at most this much"
    )
    parser.add_argument(
        "--convert-percent",
        type=decimal_arg,
        metavar="PERCENT",
        help="distance from the market price (server default 5; may be negative)",
    )


def _add_filters(
    parser: argparse.ArgumentParser, status: type[DepositStatus | WithdrawStatus]
) -> None:
    parser.add_argument("--ticker", help="e.g. USDT")
    parser.add_argument("--network", help="e.g. tron")
    parser.add_argument(
        "--status",
        type=enum_arg(status),
        metavar="STATUS",
        help=f"a name or code: {enum_choices(status)}",
    )
    parser.add_argument("--txid", help="a transaction hash")
    parser.add_argument("--address", help="a wallet address")


def _add_tags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--payment-id", metavar="ID")
    parser.add_argument("--memo")
    parser.add_argument("--destination-tag", metavar="TAG")


def build_parser() -> ArgumentParser:
    """The `bitexgate` argument parser, every subcommand included."""
    tree = CommandTree(
        prog=PROG,
        description="Call the bitexbit Gateway from a shell: one subcommand per endpoint.",
        credentials=CREDENTIALS,
    )

    methods = tree.group("payment-methods", "what can be deposited and withdrawn")
    p = methods.command("list", payment_methods_list, "list the payment methods")
    PAGING.add_order(p)

    wallets = tree.group("wallets", "crypto deposit wallets and their deposits")
    p = wallets.command(
        "create",
        wallets_create,
        "create a deposit wallet",
        creates="wallets list --ordering -id",
    )
    p.add_argument("--ticker", required=True, help="e.g. ETH")
    p.add_argument("--network", required=True, help="e.g. ethereum")
    _add_convert(p)
    p = wallets.command("list", wallets_list, "list the wallets")
    PAGING.add(p)
    p = wallets.command("history", wallets_history, "list the deposits to the wallets")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    PAGING.add(p)

    invoices = tree.group("invoices", "fiat invoices and the payments made through them")
    p = invoices.command(
        "create",
        invoices_create,
        "create an invoice (send the payer to its proceed_url)",
        creates="invoices list --ordering -id",
    )
    p.add_argument("--ticker", required=True, help="e.g. UAH")
    p.add_argument("--network", required=True, help="e.g. payeer")
    p.add_argument("--amount", type=decimal_arg, required=True, help="e.g. 120")
    p.add_argument("--client-ip", required=True, metavar="IP", help="the payer's IP address")
    p.add_argument("--payment-url", metavar="URL", help="where the payer lands after paying")
    p.add_argument("--cancel-url", metavar="URL", help="where the payer lands after cancelling")
    _add_convert(p)
    p = invoices.command("list", invoices_list, "list the invoices")
    PAGING.add(p)
    p = invoices.command("history", invoices_history, "list the payments made via invoices")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    PAGING.add(p)

    withdrawals = tree.group("withdrawals", "withdrawals to crypto addresses and fiat cards")
    p = withdrawals.command(
        "create",
        withdrawals_create,
        "withdraw to an address (crypto) or a card (fiat)",
        creates="withdrawals history --ordering -id",
    )
    p.add_argument("--ticker", required=True, help="e.g. USDT")
    p.add_argument("--network", required=True, help="e.g. tron")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--address", help="a crypto address")
    target.add_argument("--card", help="a card number (fiat)")
    p.add_argument("--amount", type=decimal_arg, required=True, help="e.g. 22")
    p.add_argument(
        "--client-order-id", metavar="ID", help="your own id: how to find it if in doubt"
    )
    p.add_argument("--comment")
    p.add_argument("--callback-url", metavar="URL", help="where the gateway posts updates")
    p.add_argument(
        "--fee-payer",
        type=enum_arg(FeePayer),
        metavar="PAYER",
        help=f"who pays the fee: {enum_choices(FeePayer)}",
    )
    p.add_argument("--auto-buy-ticker", metavar="TICKER", help="buy this with part of it")
    p.add_argument(
        "--auto-buy-percent", type=decimal_arg, metavar="PERCENT", help="the share to buy with"
    )
    _add_tags(p)
    p = withdrawals.command("history", withdrawals_history, "list the withdrawals")
    _add_filters(p, WithdrawStatus)
    PAGING.add(p)

    tree.sandbox(SANDBOX)
    return tree.parser
