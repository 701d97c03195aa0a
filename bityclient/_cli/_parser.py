"""The `bityclient` argument parser: every subcommand and its flags."""

from __future__ import annotations

from common._cli import ArgumentParser, CommandTree, decimal_arg, enum_arg, enum_choices

from .._models import AmountMode, Currency, OrderCategory, PaymentMethod
from ._commands import (
    orders_create,
    orders_list,
    rates_list,
    rates_we_buy,
    rates_we_sell,
    verify_phone,
)
from ._settings import CREDENTIALS, LOGIN, NONE, PAGING, PROG, SANDBOX, TOKEN

__all__ = ["build_parser"]


def _currency(text: str) -> Currency | str:
    return "" if text == "" else enum_arg(Currency)(text)


_currency.__name__ = "currency"


def build_parser() -> ArgumentParser:
    """The `bityclient` argument parser, every subcommand included."""
    tree = CommandTree(
        prog=PROG,
        description="Call the Bity v1 API from a shell: one subcommand per endpoint.",
        credentials=CREDENTIALS,
        defaults={"needs": NONE},
    )

    p = tree.command("verify-phone", verify_phone, "activate a new user with the SMS code")
    p.add_argument("--phone", required=True, help="international format: +41786399501")
    p.add_argument("--code", required=True, help="the code Bity sent by SMS")

    p = tree.command(
        "login",
        None,
        "log in with the password; print the token's expiry and scope (never the token)",
        needs=LOGIN,
    )

    rates = tree.group("rates", "exchange rates (no login needed)")
    p = rates.command("list", rates_list, "every pair's mid, buy and sell rates")
    PAGING.add(p)
    p = rates.command("we-sell", rates_we_sell, "the price Bity sells at for a pair")
    p.add_argument("pair", metavar="PAIR", help="e.g. ETHBTC")
    p = rates.command("we-buy", rates_we_buy, "the price Bity buys at for a pair")
    p.add_argument("pair", metavar="PAIR", help="e.g. ETHBTC")

    orders = tree.group("orders", "the logged-in user's orders")
    p = orders.command(
        "create",
        orders_create,
        "create an order",
        needs=TOKEN,
        creates="orders list --order-by -timestamp_created",
    )
    p.add_argument(
        "--category",
        required=True,
        type=enum_arg(OrderCategory),
        help=f"one of {enum_choices(OrderCategory)}",
    )
    p.add_argument("--amount", required=True, type=decimal_arg, help="at most 8 decimals, e.g. 0.5")
    p.add_argument(
        "--currency",
        type=_currency,
        help=f'e.g. {enum_choices(Currency)} ("" for crypto to crypto)',
    )
    p.add_argument(
        "--payment-method",
        type=enum_arg(PaymentMethod),
        metavar="METHOD",
        help=f"one of {enum_choices(PaymentMethod)}",
    )
    p.add_argument(
        "--amount-mode",
        type=enum_arg(AmountMode),
        metavar="MODE",
        help="what the amount counts (default 0: what is paid in for BUY, BUY_ETH and "
        f"BUY_REP, what is paid out for SELL and SELL_ETH): {enum_choices(AmountMode)}",
    )
    p.add_argument("--crypto-address", metavar="ADDRESS", help="where crypto is paid out")
    p.add_argument("--person", metavar="URI", help="the person's resource URI")
    p = orders.command("list", orders_list, "list the orders", needs=TOKEN)
    PAGING.add(p)

    tree.sandbox(SANDBOX)
    return tree.parser
