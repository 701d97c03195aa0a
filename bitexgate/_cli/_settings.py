"""What the `bitexgate` command reads: its environment variables and credentials,
its paging flags, and its sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common._cli import Paging, SandboxCommand, Setting

from .._client import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from ..sandbox import GatewaySandbox

__all__ = [
    "API_KEY",
    "BASE_URL",
    "CREDENTIALS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_SECRET",
    "PAGING",
    "PROG",
    "SANDBOX",
    "SECRET",
]

PROG = "bitexgate"

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


def _load_sandbox() -> GatewaySandbox:
    from ..sandbox import GatewaySandbox

    return GatewaySandbox()


SANDBOX = SandboxCommand(
    prog=PROG,
    title="bitexbit Gateway",
    help="serve the gateway sandbox on a socket until Ctrl+C",
    port=8001,
    load=_load_sandbox,
    base_url_env=ENV_BASE_URL,
    demo_credentials=lambda sandbox: [(ENV_API_KEY, sandbox.api_key), (ENV_SECRET, sandbox.secret)],
)
