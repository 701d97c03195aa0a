"""What the `bityclient` command reads: its environment variables and credentials,
its paging flags, what each command needs, and its sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common._cli import Paging, SandboxCommand, Setting

from .._client import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from ..sandbox import BitySandbox

__all__ = [
    "BASE_URL",
    "CLIENT_ID",
    "CREDENTIALS",
    "ENV_BASE_URL",
    "ENV_CLIENT_ID",
    "ENV_PASSWORD",
    "ENV_TOKEN_FILE",
    "ENV_USERNAME",
    "LOGIN",
    "NONE",
    "PAGING",
    "PASSWORD",
    "PROG",
    "SANDBOX",
    "SECRET_FLAGS",
    "TOKEN",
    "TOKEN_FILE",
    "USERNAME",
]

PROG = "bityclient"

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

#: What a command needs: nothing, a login (the `login` command), or a token.
NONE, LOGIN, TOKEN = "none", "login", "token"


def _load_sandbox() -> BitySandbox:
    from ..sandbox import BitySandbox

    return BitySandbox()


SANDBOX = SandboxCommand(
    prog=PROG,
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
