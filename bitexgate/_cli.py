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
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from common import DEFAULT_TIMEOUT
from common._cli import (
    EXIT_CODES_HELP,
    EXIT_OK,
    ArgumentParser,
    Output,
    Secrets,
    UsageError,
    add_global_options,
    decimal_arg,
    enum_arg,
    enum_choices,
    export_line,
    flag_map,
    join_dash_values,
    parse_args,
    port_arg,
    positive_int_arg,
    retry_policy,
    run_command,
    sandbox_unavailable,
    secret_flag_values,
    serve_sandbox,
    setting,
)
from common._version import __version__

from ._client import DEFAULT_BASE_URL, BitexGateClient
from ._enums import DepositStatus, FeePayer, WithdrawStatus

if TYPE_CHECKING:
    from .sandbox import GatewaySandbox

__all__ = ["ENV_API_KEY", "ENV_BASE_URL", "ENV_SECRET", "build_parser", "main", "run"]

ENV_API_KEY = "BITEXGATE_API_KEY"
ENV_SECRET = "BITEXGATE_SECRET"  # noqa: S105 (the name of a variable, not a secret)
ENV_BASE_URL = "BITEXGATE_BASE_URL"
#: The base URL shown for the in-process sandbox (never resolved: requests stay in process).
SANDBOX_BASE_URL = "http://sandbox.invalid"
SECRET_FLAGS = ("--secret", "--api-key")

Handler = Callable[[BitexGateClient, argparse.Namespace, Output], Awaitable[None]]


_ORDERING_HELP = "id or -id"


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
    "ordering",
    "page_size",
    "max_items",
)


def _history_filters(a: argparse.Namespace) -> dict[str, Any]:
    """The filters and paging of a deposit history command (wallets and invoices alike)."""
    return {name: getattr(a, name) for name in _HISTORY_FILTERS}


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
    await out.stream_items(
        gw.wallets.list(ordering=a.ordering, page_size=a.page_size, max_items=a.max_items)
    )


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
    await out.stream_items(
        gw.invoices.list(ordering=a.ordering, page_size=a.page_size, max_items=a.max_items)
    )


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
            ordering=a.ordering,
            page_size=a.page_size,
            max_items=a.max_items,
        )
    )


# --- the parser --------------------------------------------------------------------------------


def _add_credentials(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("credentials (the environment variables are preferred)")
    group.add_argument(
        "--api-key", default=default, metavar="KEY", help=f"API key (default: ${ENV_API_KEY})"
    )
    group.add_argument(
        "--secret",
        default=default,
        metavar="SECRET",
        help=f"API secret (default: ${ENV_SECRET}; a flag shows in the process list)",
    )
    group.add_argument(
        "--base-url",
        default=default,
        metavar="URL",
        help=f"gateway URL (default: ${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
    )


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


def _add_paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ordering", metavar="ORDER", help=_ORDERING_HELP)
    parser.add_argument(
        "--page-size", type=positive_int_arg, metavar="N", help="items per page (the API's limit)"
    )
    parser.add_argument(
        "--max-items", type=positive_int_arg, metavar="N", help="stop after N items"
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
    parser = ArgumentParser(
        prog="bitexgate",
        description="Call the bitexbit Gateway from a shell: one subcommand per endpoint.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_global_options(parser, suppress=False)
    _add_credentials(parser, suppress=False)
    groups = parser.add_subparsers(dest="group", metavar="COMMAND", required=True)

    def group(name: str, help: str) -> Any:
        sub = groups.add_parser(name, help=help, description=help)
        return sub.add_subparsers(dest="command", metavar="ACTION", required=True)

    def command(
        actions: Any, name: str, handler: Handler, help: str, *, creates: str | None = None
    ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(
            name,
            help=help,
            description=help,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_global_options(sub, suppress=True)
        _add_credentials(sub, suppress=True)
        sub.set_defaults(handler=handler, creates=creates)
        return sub

    methods = group("payment-methods", "what can be deposited and withdrawn")
    p = command(methods, "list", _payment_methods_list, "list the payment methods")
    p.add_argument("--ordering", metavar="ORDER", help=_ORDERING_HELP)

    wallets = group("wallets", "crypto deposit wallets and their deposits")
    p = command(
        wallets,
        "create",
        _wallets_create,
        "create a deposit wallet",
        creates="wallets list --ordering -id",
    )
    p.add_argument("--ticker", required=True, help="e.g. ETH")
    p.add_argument("--network", required=True, help="e.g. ethereum")
    _add_convert(p)
    p = command(wallets, "list", _wallets_list, "list the wallets")
    _add_paging(p)
    p = command(wallets, "history", _wallets_history, "list the deposits to the wallets")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    _add_paging(p)

    invoices = group("invoices", "fiat invoices and the payments made through them")
    p = command(
        invoices,
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
    p = command(invoices, "list", _invoices_list, "list the invoices")
    _add_paging(p)
    p = command(invoices, "history", _invoices_history, "list the payments made via invoices")
    _add_filters(p, DepositStatus)
    _add_tags(p)
    _add_paging(p)

    withdrawals = group("withdrawals", "withdrawals to crypto addresses and fiat cards")
    p = command(
        withdrawals,
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
    p = command(withdrawals, "history", _withdrawals_history, "list the withdrawals")
    _add_filters(p, WithdrawStatus)
    _add_paging(p)

    p = groups.add_parser(
        "sandbox",
        help="serve the gateway sandbox on a socket until Ctrl+C",
        description="Serve the bitexbit Gateway sandbox (demo data, demo credentials) "
        "on a socket until Ctrl+C, and print the lines that point this command at it.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    p.add_argument(
        "--port", type=port_arg, default=8001, help="port (%(default)s; 0 takes a free one)"
    )
    p.add_argument("--empty", action="store_true", help="start without the demo data")
    return parser


# --- running -----------------------------------------------------------------------------------


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"retry": retry_policy(args.retries)}
    options["timeout"] = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    return options


def _required(value: str | None, env: str, flag: str, what: str) -> str:
    if value is None:
        raise UsageError(f"missing {what}: set {env} or pass {flag}")
    return value


async def _execute(args: argparse.Namespace, secrets: Secrets) -> int:
    out = Output(table=args.table)
    handler: Handler = args.handler
    if args.sandbox:
        try:
            from .sandbox import GatewaySandbox
        except ImportError as exc:
            raise sandbox_unavailable(exc) from None
        sandbox = GatewaySandbox()
        sandbox.seed_demo_data()
        try:
            async with BitexGateClient(
                api_key=sandbox.api_key,
                secret=sandbox.secret,
                base_url=SANDBOX_BASE_URL,
                transport=sandbox.transport(),
                **_client_options(args),
            ) as gw:
                await handler(gw, args, out)
        finally:
            await sandbox.aclose()
        return EXIT_OK
    api_key = _required(setting(args.api_key, ENV_API_KEY), ENV_API_KEY, "--api-key", "API key")
    secret = _required(setting(args.secret, ENV_SECRET), ENV_SECRET, "--secret", "API secret")
    secrets.add(api_key, secret)
    base_url = setting(args.base_url, ENV_BASE_URL) or DEFAULT_BASE_URL
    async with BitexGateClient(
        api_key=api_key, secret=secret, base_url=base_url, **_client_options(args)
    ) as gw:
        await handler(gw, args, out)
    return EXIT_OK


def _load_sandbox() -> GatewaySandbox:
    from .sandbox import GatewaySandbox

    return GatewaySandbox()


def _banner(sandbox: GatewaySandbox, base_url: str) -> list[str]:
    return [
        f"bitexbit Gateway sandbox on {base_url} (Ctrl+C to stop)",
        "# demo credentials: paste these lines into a shell, then run bitexgate",
        export_line(ENV_BASE_URL, base_url),
        export_line(ENV_API_KEY, sandbox.api_key),
        export_line(ENV_SECRET, sandbox.secret),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bitexgate` command with `argv` (default: `sys.argv[1:]`); returns the exit code."""
    arguments = join_dash_values(sys.argv[1:] if argv is None else argv, ["--ordering"])
    secrets = Secrets(
        os.environ.get(ENV_SECRET),
        os.environ.get(ENV_API_KEY),
        *secret_flag_values(arguments, SECRET_FLAGS),
    )
    parser = build_parser()
    parsed = parse_args(parser, arguments, secrets)
    if isinstance(parsed, int):
        return parsed
    if parsed.group == "sandbox":
        return serve_sandbox(parsed, secrets, load=_load_sandbox, banner=_banner)
    note = None
    if parsed.creates:
        note = f"Before running it again, check `bitexgate {parsed.creates}`"
        client_order_id = getattr(parsed, "client_order_id", None)
        if client_order_id:
            note += f" for client_order_id {client_order_id!r}"
        note += "."
    return run_command(
        lambda: _execute(parsed, secrets),
        secrets=secrets,
        flags=flag_map(parser),
        in_doubt_note=note,
    )


def run() -> NoReturn:
    """The console-script entry point: `sys.exit(main())`."""
    sys.exit(main())
