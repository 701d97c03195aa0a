"""The `bityclient` command: every Bity v1 endpoint from a shell.

    bityclient rates list --table
    bityclient rates we-sell ETHBTC
    bityclient login --token-file ~/.bity-token.json
    bityclient orders list --token-file ~/.bity-token.json --order-by -timestamp_created
    bityclient orders create --category BUY_ETH --amount 0.5 --crypto-address 0x...
    bityclient --sandbox orders list
    bityclient sandbox --port 8002

Credentials come from `BITY_CLIENT_ID`, `BITY_USERNAME`, `BITY_PASSWORD` and
`BITY_BASE_URL` (or `--client-id`, `--username`, `--password`, `--base-url`; the
variables are better for the password, as flags show in the process list).
Rates and phone verification need none of them.

`--token-file PATH` (or `BITY_TOKEN_FILE`) keeps the session between runs: `login`
stores its token there, other commands reuse it, and every renewed token (Bity
rotates refresh tokens) is written back. The file is created with mode 0600 and
holds credentials: keep it secret. A command that needs a token logs in with the
password when there is no usable token file, and once more if the stored
session turns out to have ended; without a password, it says to run `login`.

`--sandbox` runs any command against an in-process sandbox with demo credentials
and data; the `sandbox` subcommand serves one on a socket until Ctrl+C (both
need the `[sandbox]` extra). A sandbox run never reads or writes a token file: a
token file holds a real session, which a sandbox token must not replace (a later
real command would send it to Bity). `BITY_TOKEN_FILE` is ignored, and an
explicit `--token-file` is refused (exit 2) rather than ignored, so nobody
believes a session was stored that was not. To try token files on the sandbox,
serve it (`bityclient sandbox`) and point `BITY_BASE_URL` at it.

Exit codes: 0 success; 1 the API answered with an error status, or an answer
that does not decode; 2 usage (bad flag or value, missing credentials, input
refused before sending); 3 transport (no connection, timeout, broken
connection); 130 interrupted. An order whose outcome is unknown says so.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import stat
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from common import ValidationError
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
    UsageError,
    client_options,
    decimal_arg,
    enum_arg,
    enum_choices,
    run_main,
)

from ._auth import dump_token, load_token
from ._client import DEFAULT_BASE_URL, BityClient
from ._errors import SessionExpiredError
from ._models import AmountMode, Currency, OrderCategory, PaymentMethod, Token

if TYPE_CHECKING:
    from .sandbox import BitySandbox

__all__ = [
    "ENV_BASE_URL",
    "ENV_CLIENT_ID",
    "ENV_PASSWORD",
    "ENV_TOKEN_FILE",
    "ENV_USERNAME",
    "build_parser",
    "main",
    "read_token_file",
    "run",
    "write_token_file",
]

ENV_CLIENT_ID = "BITY_CLIENT_ID"
ENV_USERNAME = "BITY_USERNAME"
ENV_PASSWORD = "BITY_PASSWORD"  # noqa: S105 (the name of a variable, not a secret)
ENV_BASE_URL = "BITY_BASE_URL"
ENV_TOKEN_FILE = "BITY_TOKEN_FILE"  # noqa: S105 (the name of a variable, not a secret)

CLIENT_ID = Setting(
    "--client-id",
    ENV_CLIENT_ID,
    metavar="ID",
    help=f"OAuth client id (${ENV_CLIENT_ID})",
    what="client id",
)
USERNAME = Setting(
    "--username",
    ENV_USERNAME,
    metavar="NAME",
    help=f"phone (+41...), e-mail or username (${ENV_USERNAME})",
    what="username",
)
PASSWORD = Setting(
    "--password",
    ENV_PASSWORD,
    metavar="PASSWORD",
    help=f"password (${ENV_PASSWORD}; a flag shows in the process list)",
    what="password",
    secret=True,
)
BASE_URL = Setting(
    "--base-url",
    ENV_BASE_URL,
    metavar="URL",
    help=f"API URL (${ENV_BASE_URL}, else {DEFAULT_BASE_URL})",
)
TOKEN_FILE = Setting(
    "--token-file",
    ENV_TOKEN_FILE,
    metavar="PATH",
    help=f"reuse and store the session in this file, mode 0600 (${ENV_TOKEN_FILE}, "
    "ignored with --sandbox; the flag is refused there)",
)
CREDENTIALS = (CLIENT_ID, USERNAME, PASSWORD, BASE_URL, TOKEN_FILE)
#: Flags besides the credentials whose values are secret.
SECRET_FLAGS = ("--code",)
PAGING = Paging(
    "--order-by",
    order_metavar="FIELD",
    order_help="a field, ascending (+ before it is optional) or descending: -timestamp_created",
)
#: What `BityClient` is given as its client id by commands that never send one.
_UNUSED_CLIENT_ID = "unused"

#: What a command needs: nothing, a login (the `login` command), or a token.
NONE, LOGIN, TOKEN = "none", "login", "token"

Handler = Callable[[BityClient, argparse.Namespace, Output], Awaitable[None]]


# --- the token file ----------------------------------------------------------------------------


def read_token_file(path: Path) -> Token | None:
    """The token stored in `path`, or None if there is no such file.

    UsageError if the file cannot be read or does not hold a token. Warns (on
    stderr) when other users may read it.
    """
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    problem = UsageError(
        f"{path} does not hold a stored token: replace it with "
        f"`bityclient login --token-file {path}`"
    )
    try:
        data = json.loads(text)
    except ValueError:
        raise problem from None
    if not isinstance(data, dict):
        raise problem
    try:
        token = load_token(data)
    except ValidationError:
        raise problem from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        sys.stderr.write(f"warning: other users may read the token file {path}: chmod 600 it\n")
    return token


def write_token_file(path: Path, token: Token) -> None:
    """Store `token` in `path` (replaced atomically), readable by its owner only (0600)."""
    text = json.dumps(dump_token(token), indent=2) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # whatever the umask
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                fd = -1
                handle.write(text)
        finally:
            if fd != -1:
                os.close(fd)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise UsageError(f"cannot write the token file {path}: {exc.strerror or exc}") from None


def _usable(token: Token) -> bool:
    return bool(token.refresh_token) or not token.is_expired()


def _token_facts(token: Token, path: Path | None) -> dict[str, Any]:
    """What may be shown of a token: everything but the tokens themselves."""
    expires_in = None
    if token.expires_at is not None:
        seconds = (token.expires_at - datetime.now(timezone.utc)).total_seconds()
        expires_in = max(0, int(seconds))
    return {
        "logged_in": True,
        "token_type": token.token_type,
        "scope": token.scope,
        "expires_at": token.expires_at,
        "expires_in": expires_in,
        "has_refresh_token": bool(token.refresh_token),
        "token_file": None if path is None else str(path),
    }


# --- the commands ------------------------------------------------------------------------------


async def _verify_phone(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show({"activated": await bity.users.verify_phone(phone=a.phone, code=a.code)})


async def _rates_list(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(bity.rates.list(**PAGING.options(a)))


async def _rates_we_sell(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await bity.rates.we_sell(a.pair))


async def _rates_we_buy(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    out.show(await bity.rates.we_buy(a.pair))


async def _orders_create(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
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


async def _orders_list(bity: BityClient, a: argparse.Namespace, out: Output) -> None:
    await out.stream_items(bity.orders.list(**PAGING.options(a)))


# --- the parser --------------------------------------------------------------------------------


def _currency(text: str) -> Currency | str:
    return "" if text == "" else enum_arg(Currency)(text)


_currency.__name__ = "currency"


def build_parser() -> ArgumentParser:
    """The `bityclient` argument parser, every subcommand included."""
    tree = CommandTree(
        prog="bityclient",
        description="Call the Bity v1 API from a shell: one subcommand per endpoint.",
        credentials=CREDENTIALS,
        defaults={"needs": NONE},
    )

    p = tree.command("verify-phone", _verify_phone, "activate a new user with the SMS code")
    p.add_argument("--phone", required=True, help="international format: +41786399501")
    p.add_argument("--code", required=True, help="the code Bity sent by SMS")

    p = tree.command(
        "login",
        None,
        "log in with the password; print the token's expiry and scope (never the token)",
        needs=LOGIN,
    )

    rates = tree.group("rates", "exchange rates (no login needed)")
    p = rates.command("list", _rates_list, "every pair's mid, buy and sell rates")
    PAGING.add(p)
    p = rates.command("we-sell", _rates_we_sell, "the price Bity sells at for a pair")
    p.add_argument("pair", metavar="PAIR", help="e.g. ETHBTC")
    p = rates.command("we-buy", _rates_we_buy, "the price Bity buys at for a pair")
    p.add_argument("pair", metavar="PAIR", help="e.g. ETHBTC")

    orders = tree.group("orders", "the logged-in user's orders")
    p = orders.command(
        "create",
        _orders_create,
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
        help=f"what the amount means: {enum_choices(AmountMode)}",
    )
    p.add_argument("--crypto-address", metavar="ADDRESS", help="where crypto is paid out")
    p.add_argument("--person", metavar="URI", help="the person's resource URI")
    p = orders.command("list", _orders_list, "list the orders", needs=TOKEN)
    PAGING.add(p)

    tree.sandbox(SANDBOX)
    return tree.parser


# --- running -----------------------------------------------------------------------------------


def _no_session(path: Path, *, stored: Token | None) -> UsageError:
    """The usage error of a command that needs a token, finds none usable in `path`,
    and has no password to log in with."""
    what = "no stored session" if stored is None else "the stored session has expired"
    return UsageError(
        f"{what}: run `bityclient login --token-file {path}` "
        f"(or set {ENV_USERNAME} and {ENV_PASSWORD} to log in as part of the command)"
    )


#: Why `--sandbox` refuses `--token-file`.
_SANDBOX_TOKEN_FILE = (
    "--token-file cannot be used with --sandbox: a token file holds a real session, "
    "which a sandbox token must not replace. To try token files on the sandbox, serve it "
    f"(`bityclient sandbox`) and point {ENV_BASE_URL} at it."
)


class _Credentials:
    """The client id, username and password of this run (the sandbox's with --sandbox)."""

    def __init__(self, client_id: str | None, username: str | None, password: str | None):
        self.client_id = client_id
        self.username = username
        self.password = password

    @property
    def can_login(self) -> bool:
        return self.username is not None and self.password is not None

    def require_login(self) -> tuple[str, str]:
        if self.username is None:
            raise USERNAME.missing()
        if self.password is None:
            raise PASSWORD.missing()
        return self.username, self.password


async def _login(bity: BityClient, credentials: _Credentials) -> Token:
    username, password = credentials.require_login()
    return await bity.login(username=username, password=password)


async def _run_with_session(
    bity: BityClient,
    args: argparse.Namespace,
    out: Output,
    credentials: _Credentials,
    token_file: Path | None,
) -> None:
    handler: Handler = args.handler
    logged_in = False
    if bity.token is None:
        await _login(bity, credentials)
        logged_in = True
    try:
        await handler(bity, args, out)
    except SessionExpiredError:
        if logged_in or not credentials.can_login or out.started:
            if token_file is not None:
                sys.stderr.write(
                    f"the session stored in {token_file} has ended: "
                    f"log in again with `bityclient login --token-file {token_file}`\n"
                )
            raise
        # The refusal came before the request was processed, so it is safe to send again.
        sys.stderr.write("note: the stored session has ended; logging in again\n")
        await _login(bity, credentials)
        await handler(bity, args, out)


class _Plan:
    """What a command runs with, settled before the event loop starts."""

    def __init__(
        self,
        *,
        credentials: _Credentials,
        base_url: str,
        token: Token | None,
        token_file: Path | None,
        sandbox: Any,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.token = token
        self.token_file = token_file
        self.sandbox = sandbox


def _prepare(args: argparse.Namespace, secrets: Secrets) -> _Plan:
    """Credentials, the stored token and the sandbox; UsageError before anything is sent."""
    needs: str = args.needs
    # A token file holds a real session: a sandbox run must neither send its tokens to the
    # sandbox nor replace it with a sandbox token. The environment's is ignored, the flag refused.
    if args.sandbox and args.token_file is not None:
        raise UsageError(_SANDBOX_TOKEN_FILE)
    file_setting = None if args.sandbox else TOKEN_FILE.value(args)
    token_file = Path(file_setting).expanduser() if file_setting else None
    stored: Token | None = None
    if needs != NONE and token_file is not None and not token_file.parent.is_dir():
        raise UsageError(f"cannot store the token in {token_file}: no such directory")
    if needs == TOKEN and token_file is not None:
        stored = read_token_file(token_file)
        if stored is not None:
            secrets.add(stored.access_token, stored.refresh_token)
    token = stored if stored is not None and _usable(stored) else None
    sandbox: Any = None
    if args.sandbox:
        sandbox = SANDBOX.in_process()
        credentials = _Credentials(sandbox.client_id, sandbox.username, sandbox.password)
        base_url = SANDBOX_BASE_URL
    else:
        credentials = _Credentials(
            CLIENT_ID.value(args), USERNAME.value(args), PASSWORD.value(args)
        )
        base_url = BASE_URL.value(args) or DEFAULT_BASE_URL
    secrets.add(credentials.password)
    if needs != NONE and credentials.client_id is None:
        raise CLIENT_ID.missing()
    if needs == TOKEN and token is None and token_file is not None and not credentials.can_login:
        raise _no_session(token_file, stored=stored)
    if needs == LOGIN or (needs == TOKEN and token is None):
        credentials.require_login()
    return _Plan(
        credentials=credentials,
        base_url=base_url,
        token=token,
        token_file=token_file,
        sandbox=sandbox,
    )


async def _execute(args: argparse.Namespace, plan: _Plan, secrets: Secrets) -> int:
    out = Output(table=args.table)
    needs: str = args.needs
    credentials, token_file = plan.credentials, plan.token_file

    async def store(new: Token) -> None:
        secrets.add(new.access_token, new.refresh_token)
        if token_file is not None:
            write_token_file(token_file, new)

    async with BityClient(
        client_id=credentials.client_id or _UNUSED_CLIENT_ID,
        base_url=plan.base_url,
        token=plan.token,
        on_token_update=store,
        transport=None if plan.sandbox is None else plan.sandbox.transport(),
        **client_options(args),
    ) as bity:
        if needs == LOGIN:
            out.show(_token_facts(await _login(bity, credentials), token_file))
        elif needs == TOKEN:
            await _run_with_session(bity, args, out, credentials, token_file)
        else:
            await args.handler(bity, args, out)
    return EXIT_OK


def _load_sandbox() -> BitySandbox:
    from .sandbox import BitySandbox

    return BitySandbox()


SANDBOX = SandboxCommand(
    prog="bityclient",
    title="Bity v1",
    help="serve the Bity sandbox on a socket until Ctrl+C",
    port=8002,
    load=_load_sandbox,
    base_url_env=ENV_BASE_URL,
    demo_credentials=lambda sandbox: [
        (ENV_CLIENT_ID, sandbox.client_id),
        (ENV_USERNAME, sandbox.username),
        (ENV_PASSWORD, sandbox.password),
    ],
)


def _in_doubt_note(creates: str, args: argparse.Namespace) -> str:
    return f"Before creating it again, check `bityclient {creates}`."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `bityclient` command with `argv` (default: `sys.argv[1:]`); returns the exit code."""
    return run_main(
        argv,
        build_parser=build_parser,
        credentials=CREDENTIALS,
        paging=PAGING,
        sandbox=SANDBOX,
        execute=lambda args, secrets: _execute(args, _prepare(args, secrets), secrets),
        in_doubt_note=_in_doubt_note,
        secret_flags=SECRET_FLAGS,
    )


def run() -> NoReturn:
    """The console-script entry point: `sys.exit(main())`."""
    sys.exit(main())
