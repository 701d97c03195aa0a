"""The `bitexgate` command: every bitexbit Gateway endpoint from a shell.

    bitexgate payment-methods list --table
    bitexgate wallets create --ticker ETH --network ethereum
    bitexgate wallets history --ticker USDT --status confirmed --max-items 20
    bitexgate withdrawals create --ticker USDT --network tron --address T... \\
        --amount 22 --client-order-id order_123
    bitexgate --sandbox invoices list
    bitexgate sandbox --port 8001

Credentials come from `BITEXGATE_API_KEY`, `BITEXGATE_SECRET` and
`BITEXGATE_BASE_URL` (or `--api-key`, `--secret`, `--base-url`; the variables are
better for the secret, as flags show in the process list). `--sandbox` runs any
command against an in-process sandbox with demo credentials and data; the
`sandbox` subcommand serves one on a socket until Ctrl+C (both need the
`[sandbox]` extra).

Answers are JSON on stdout (Decimal amounts as exact strings, enums as their
codes, times in ISO 8601), or aligned columns with `--table`; lists are walked
page by page (`--max-items` stops early).

Exit codes: 0 success; 1 the API answered with an error status, or an answer
that does not decode; 2 usage (bad flag or value, missing credentials, input
refused before sending); 3 transport (no connection, timeout, broken
connection); 130 interrupted. A create whose outcome is unknown says so.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from common._cli import (
    EXIT_OK,
    SANDBOX_BASE_URL,
    ArgumentParser,
    CommandTree,
    Output,
    Paging,
    SandboxCommand,
    Secrets,
    Setting,
    client_options,
    decimal_arg,
    enum_arg,
    enum_choices,
    run_main,
)

from ._client import DEFAULT_BASE_URL, BitexGateClient
from ._enums import DepositStatus, FeePayer, WithdrawStatus

if TYPE_CHECKING:
    from .sandbox import GatewaySandbox

__all__ = ["ENV_API_KEY", "ENV_BASE_URL", "ENV_SECRET", "build_parser", "main", "run"]

ENV_API_KEY = "BITEXGATE_API_KEY"
ENV_SECRET = "BITEXGATE_SECRET"  # noqa: S105 (the name of a variable, not a secret)
ENV_BASE_URL = "BITEXGATE_BASE_URL"

API_KEY = Setting(
    "--api-key",
    ENV_API_KEY,
    metavar="KEY",
    help=f"API key (default: ${ENV_API_KEY})",
    what="API key",
    secret=True,
)
SECRET = Setting(
    "--secret",
    ENV_SECRET,
    metavar="SECRET",
    help=f"API secret (default: ${ENV_SECRET}; a flag shows in the process list)",
    what="API secret",
    secret=True,
)
BASE_URL = Setting(
    "--base-url",
    ENV_BASE_URL,
    metavar="URL",
    help=f"gateway URL (default: ${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
)
CREDENTIALS = (API_KEY, SECRET, BASE_URL)
PAGING = Paging("--ordering", order_metavar="ORDER", order_help="id or -id")

Handler = Callable[[BitexGateClient, argparse.Namespace, Output], Awaitable[None]]


# --- the commands ------------------------------------------------------------------------------


async def _payment_methods_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
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


async def _wallets_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    wallet = await gw.wallets.create(
        ticker=a.ticker,
        network=a.network,
        callback_url=a.callback_url,
        convert_ticker=a.convert_ticker,
        convert_limit=a.convert_limit,
        convert_percent=a.convert_percent,
    )
    out.show(wallet)


async def _wallets_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.wallets.list(**PAGING.options(a)))


async def _wallets_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.wallets.history(**_history_filters(a)))


async def _invoices_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
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


async def _invoices_list(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.invoices.list(**PAGING.options(a)))


async def _invoices_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(gw.invoices.history(**_history_filters(a)))


async def _withdrawals_create(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
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


async def _withdrawals_history(gw: BitexGateClient, a: argparse.Namespace, out: Output) -> None:
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


# --- the parser --------------------------------------------------------------------------------


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
        prog="bitexgate",
        description="Call the bitexbit Gateway from a shell: one subcommand per endpoint.",
        credentials=CREDENTIALS,
    )

    methods = tree.group("payment-methods", "what can be deposited and withdrawn")
    p = methods.command("list", _payment_methods_list, "list the payment methods")
    PAGING.add_order(p)

    wallets = tree.group("wallets", "crypto deposit wallets and their deposits")
    p = wallets.command(
        "create",
        _wallets_create,
        "create a deposit wallet",
        creates="wallets list --ordering -id",
    )
    p.add_argument("--ticker", required=True, help="e.g. ETH")
    p.add_argument("--network", required=True, help="e.g. ethereum")
    _add_convert(p)
    p = wallets.command("list", _wallets_list, "list the wallets")
    PAGING.add(p)
    p = wallets.command("history", _wallets_history, "list the deposits to the wallets")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    PAGING.add(p)

    invoices = tree.group("invoices", "fiat invoices and the payments made through them")
    p = invoices.command(
        "create",
        _invoices_create,
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
    p = invoices.command("list", _invoices_list, "list the invoices")
    PAGING.add(p)
    p = invoices.command("history", _invoices_history, "list the payments made via invoices")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    PAGING.add(p)

    withdrawals = tree.group("withdrawals", "withdrawals to crypto addresses and fiat cards")
    p = withdrawals.command(
        "create",
        _withdrawals_create,
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
    p = withdrawals.command("history", _withdrawals_history, "list the withdrawals")
    _add_filters(p, WithdrawStatus)
    PAGING.add(p)

    tree.sandbox(SANDBOX)
    return tree.parser


# --- running -----------------------------------------------------------------------------------


def _load_sandbox() -> GatewaySandbox:
    from .sandbox import GatewaySandbox

    return GatewaySandbox()


SANDBOX = SandboxCommand(
    prog="bitexgate",
    title="bitexbit Gateway",
    help="serve the gateway sandbox on a socket until Ctrl+C",
    port=8001,
    load=_load_sandbox,
    base_url_env=ENV_BASE_URL,
    demo_credentials=lambda sandbox: [(ENV_API_KEY, sandbox.api_key), (ENV_SECRET, sandbox.secret)],
)


async def _execute(args: argparse.Namespace, secrets: Secrets) -> int:
    out = Output(table=args.table)
    handler: Handler = args.handler
    if args.sandbox:
        sandbox = SANDBOX.in_process()
        try:
            async with BitexGateClient(
                api_key=sandbox.api_key,
                secret=sandbox.secret,
                base_url=SANDBOX_BASE_URL,
                transport=sandbox.transport(),
                **client_options(args),
            ) as gw:
                await handler(gw, args, out)
        finally:
            await sandbox.aclose()
        return EXIT_OK
    api_key = API_KEY.required(args)
    secret = SECRET.required(args)
    secrets.add(api_key, secret)
    base_url = BASE_URL.value(args) or DEFAULT_BASE_URL
    async with BitexGateClient(
        api_key=api_key, secret=secret, base_url=base_url, **client_options(args)
    ) as gw:
        await handler(gw, args, out)
    return EXIT_OK


def _in_doubt_note(creates: str, args: argparse.Namespace) -> str:
    note = f"Before running it again, check `bitexgate {creates}`"
    client_order_id = getattr(args, "client_order_id", None)
    if client_order_id:
        note += f" for client_order_id {client_order_id!r}"
    return note + "."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bitexgate` command with `argv` (default: `sys.argv[1:]`); returns the exit code."""
    return run_main(
        argv,
        build_parser=build_parser,
        credentials=CREDENTIALS,
        paging=PAGING,
        sandbox=SANDBOX,
        execute=_execute,
        in_doubt_note=_in_doubt_note,
    )


def run() -> NoReturn:
    """The console-script entry point: `sys.exit(main())`."""
    sys.exit(main())
