"""Running the `bitexgate` command: a client from the credentials (or the sandbox's),
and the subcommand's handler called with it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from common._cli import EXIT_OK, SANDBOX_BASE_URL, Output, Secrets, client_options, run_main

from .._client import DEFAULT_BASE_URL, BitexGateClient
from ._commands import GatewayHandler
from ._parser import build_parser
from ._settings import API_KEY, BASE_URL, CREDENTIALS, PAGING, PROG, SANDBOX, SECRET

__all__ = ["main", "run"]


async def _execute(args: argparse.Namespace, secrets: Secrets) -> int:
    out = Output.of(args)
    handler: GatewayHandler = args.handler
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
    note = f"Before running it again, check `{PROG} {creates}`"
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
