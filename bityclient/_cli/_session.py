"""The session a command runs with: credentials, the stored token, the sandbox, and a
login when the token is missing or has ended."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from common._cli import SANDBOX_BASE_URL, Output, Secrets, UsageError

from .._client import DEFAULT_BASE_URL, BityClient
from .._errors import SessionExpiredError
from .._models import Token
from ._commands import BityHandler
from ._settings import (
    BASE_URL,
    CLIENT_ID,
    ENV_BASE_URL,
    ENV_PASSWORD,
    ENV_USERNAME,
    LOGIN,
    NONE,
    PASSWORD,
    SANDBOX,
    TOKEN,
    TOKEN_FILE,
    USERNAME,
)
from ._token_file import is_usable, read_token_file

if TYPE_CHECKING:
    from ..sandbox import BitySandbox

__all__ = ["Credentials", "Plan", "login", "prepare", "run_with_session"]


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


class Credentials:
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


async def login(bity: BityClient, credentials: Credentials) -> Token:
    username, password = credentials.require_login()
    return await bity.login(username=username, password=password)


async def run_with_session(
    bity: BityClient,
    args: argparse.Namespace,
    out: Output,
    credentials: Credentials,
    token_file: Path | None,
) -> None:
    handler: BityHandler = args.handler
    logged_in = False
    if bity.token is None:
        await login(bity, credentials)
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
        await login(bity, credentials)
        await handler(bity, args, out)


class Plan:
    """What a command runs with, settled before the event loop starts."""

    def __init__(
        self,
        *,
        credentials: Credentials,
        base_url: str,
        token: Token | None,
        token_file: Path | None,
        sandbox: BitySandbox | None,
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.token = token
        self.token_file = token_file
        self.sandbox = sandbox


def prepare(args: argparse.Namespace, secrets: Secrets) -> Plan:
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
    token = stored if stored is not None and is_usable(stored) else None
    sandbox: BitySandbox | None = None
    if args.sandbox:
        sandbox = SANDBOX.in_process()
        credentials = Credentials(sandbox.client_id, sandbox.username, sandbox.password)
        base_url = SANDBOX_BASE_URL
    else:
        credentials = Credentials(CLIENT_ID.value(args), USERNAME.value(args), PASSWORD.value(args))
        base_url = BASE_URL.value(args) or DEFAULT_BASE_URL
    secrets.add(credentials.password)
    if needs != NONE and credentials.client_id is None:
        raise CLIENT_ID.missing()
    if needs == TOKEN and token is None and token_file is not None and not credentials.can_login:
        raise _no_session(token_file, stored=stored)
    if needs == LOGIN or (needs == TOKEN and token is None):
        credentials.require_login()
    return Plan(
        credentials=credentials,
        base_url=base_url,
        token=token,
        token_file=token_file,
        sandbox=sandbox,
    )
