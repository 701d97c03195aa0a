"""Running the `bityclient` command: a client with the session the command needs,
and the subcommand's handler called with it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from common._cli import EXIT_OK, Output, Secrets, client_options, run_main

from .._client import BityClient
from .._errors import TokenStoreError
from .._file_store import FileTokenStore
from .._models import Token
from ._parser import build_parser
from ._session import Plan, login, prepare, run_with_session
from ._settings import CREDENTIALS, LOGIN, PAGING, PROG, SANDBOX, SECRET_FLAGS, TOKEN
from ._token_file import token_facts, usage_error

__all__ = ["main", "run"]

#: What `BityClient` is given as its client id by commands that never send one.
_UNUSED_CLIENT_ID = "unused"


async def _execute(args: argparse.Namespace, plan: Plan, secrets: Secrets) -> int:
    out = Output.of(args)
    needs: str = args.needs
    credentials, token_file = plan.credentials, plan.token_file

    async def mask(new: Token) -> None:
        secrets.add(new.access_token, new.refresh_token)

    # The token file is a FileTokenStore: every new token is written there, and a
    # refresh takes its lock, so two commands sharing the file never both spend its
    # refresh token (the second one uses the token the first stored).
    async with BityClient(
        client_id=credentials.client_id or _UNUSED_CLIENT_ID,
        base_url=plan.base_url,
        token=plan.token,
        token_store=None if token_file is None else FileTokenStore(token_file),
        on_token_update=mask,
        transport=None if plan.sandbox is None else plan.sandbox.transport(),
        **client_options(args),
    ) as bity:
        try:
            if needs == LOGIN:
                out.show(token_facts(await login(bity, credentials), token_file))
            elif needs == TOKEN:
                await run_with_session(bity, args, out, credentials, token_file)
            else:
                await args.handler(bity, args, out)
        except TokenStoreError as exc:
            if token_file is None:
                raise
            raise usage_error(exc, token_file) from None
    return EXIT_OK


def _in_doubt_note(creates: str, args: argparse.Namespace) -> str:
    return f"Before creating it again, check `{PROG} {creates}`."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bityclient` command with `argv` (default: `sys.argv[1:]`); returns the exit code."""
    return run_main(
        argv,
        build_parser=build_parser,
        credentials=CREDENTIALS,
        paging=PAGING,
        sandbox=SANDBOX,
        execute=lambda args, secrets: _execute(args, prepare(args, secrets), secrets),
        in_doubt_note=_in_doubt_note,
        secret_flags=SECRET_FLAGS,
    )


def run() -> NoReturn:
    """The console-script entry point: `sys.exit(main())`."""
    sys.exit(main())
